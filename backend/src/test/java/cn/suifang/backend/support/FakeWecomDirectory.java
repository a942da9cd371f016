package cn.suifang.backend.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * WeCom's directory on the {@link FakeWecom}: {@code department/list} (90208), {@code user/list} (90201) per department
 * and {@code user/get} (96255), answering 60111 for an unknown member and 60123 for an unknown department.
 */
public final class FakeWecomDirectory {

    private final Map<Long, String> departments = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> members = new ConcurrentHashMap<>();

    public static FakeWecomDirectory install(FakeWecom wecom) {
        FakeWecomDirectory fake = new FakeWecomDirectory();
        wecom.on("/cgi-bin/department/list", r -> fake.departmentList());
        wecom.on("/cgi-bin/user/list", r -> fake.userList(Long.parseLong(r.param("department_id"))));
        wecom.on("/cgi-bin/user/get", r -> {
            Map<String, Object> m = fake.members.get(r.param("userid"));
            return m == null ? Map.of("errcode", 60111, "errmsg", "invalid string value `" + r.param("userid") + "`")
                    : with(FakeWecom.ok(), m);
        });
        return fake;
    }

    public FakeWecomDirectory department(long id, String name) {
        departments.put(id, name);
        return this;
    }

    /** A member of {@code department} (their main one) with this position; {@code leader} marks 部门负责人. */
    public FakeWecomDirectory member(String userId, String name, long department, String position, boolean leader) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("userid", userId);
        m.put("name", name);
        m.put("department", List.of(department));
        m.put("main_department", department);
        m.put("position", position);
        m.put("is_leader_in_dept", List.of(leader ? 1 : 0));
        m.put("status", 1);
        members.put(userId, m);
        return this;
    }

    public FakeWecomDirectory remove(String userId) {
        members.remove(userId);
        return this;
    }

    private Object departmentList() {
        List<Map<String, Object>> list = new ArrayList<>();
        departments.forEach((id, name) -> list.add(Map.of("id", id, "name", name, "parentid", id == 1 ? 0 : 1, "order", 1)));
        return FakeWecom.ok("department", list);
    }

    private Object userList(long department) {
        if (!departments.containsKey(department)) {
            return Map.of("errcode", 60123, "errmsg", "invalid party id");
        }
        List<Map<String, Object>> list = members.values().stream()
                .filter(m -> ((List<?>) m.get("department")).contains(department)).toList();
        return FakeWecom.ok("userlist", list);
    }

    private static Map<String, Object> with(Map<String, Object> base, Map<String, Object> more) {
        Map<String, Object> all = new LinkedHashMap<>(base);
        all.putAll(more);
        return all;
    }
}
