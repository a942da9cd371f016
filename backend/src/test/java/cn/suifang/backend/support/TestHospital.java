package cn.suifang.backend.support;

import cn.suifang.backend.crypto.PiiCipher;
import cn.suifang.backend.crypto.PiiCipher.PiiField;
import cn.suifang.backend.security.Role;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * A small hospital for tests: cardiology (CARD) with an MDT team, endocrinology (ENDO) with its own team,
 * general surgery (GS) without a team, a dietitian from nutrition who sits in the cardiology team,
 * and an IT admin. Staff are addressed by a short key, e.g. {@code staff("cardDoc")}.
 */
public final class TestHospital {

    public final long hospitalId;
    public final Map<String, Long> departments = new ConcurrentHashMap<>();
    private final Map<String, Long> staff = new ConcurrentHashMap<>();
    public long cardTeam;
    public long endoTeam;

    private TestHospital(long hospitalId) {
        this.hospitalId = hospitalId;
    }

    public long staff(String key) {
        Long id = staff.get(key);
        if (id == null) {
            throw new IllegalArgumentException("no test staff " + key);
        }
        return id;
    }

    public static TestHospital create(DatabaseClient db, PiiCipher cipher) {
        long h = db.sql("INSERT INTO hospital (code, name) VALUES ('TEST', '测试医院') RETURNING id")
                .map(r -> r.get(0, Long.class)).one().block();
        TestHospital t = new TestHospital(h);
        for (String[] d : new String[][] {{"CARD", "心血管内科"}, {"ENDO", "内分泌科"}, {"GS", "普外科"},
                {"NUTR", "临床营养科"}, {"INFO", "信息科"}}) {
            t.departments.put(d[0], db.sql("INSERT INTO department (hospital_id, code, name, caller_id) VALUES (:h, :c, :n, '02088880001') RETURNING id")
                    .bind("h", h).bind("c", d[0]).bind("n", d[1]).map(r -> r.get(0, Long.class)).one().block());
        }
        t.add(db, cipher, "cardHead", "CARD", "H001", "王主任", Role.DEPARTMENT_HEAD, Role.PHYSICIAN);
        t.add(db, cipher, "cardDoc", "CARD", "D001", "李医生", Role.PHYSICIAN);
        t.add(db, cipher, "cardDoc2", "CARD", "D002", "赵医生", Role.PHYSICIAN);
        t.add(db, cipher, "cardNurse1", "CARD", "N001", "陈护士", Role.NURSE_COORDINATOR);
        t.add(db, cipher, "cardNurse2", "CARD", "N002", "周护士", Role.NURSE_COORDINATOR);
        t.add(db, cipher, "endoHead", "ENDO", "H002", "孙主任", Role.DEPARTMENT_HEAD, Role.PHYSICIAN);
        t.add(db, cipher, "endoDoc", "ENDO", "D003", "吴医生", Role.PHYSICIAN);
        t.add(db, cipher, "endoNurse", "ENDO", "N003", "郑护士", Role.NURSE_COORDINATOR);
        t.add(db, cipher, "gsDoc", "GS", "D004", "钱医生", Role.PHYSICIAN);
        t.add(db, cipher, "dietitian", "NUTR", "N100", "冯营养师", Role.DIETITIAN);
        t.add(db, cipher, "admin", "INFO", "A001", "信息科管理员", Role.ADMIN);

        t.cardTeam = team(db, t.departments.get("CARD"), "心内随访团队");
        member(db, t.cardTeam, t.staff("cardDoc"), Role.PHYSICIAN);
        member(db, t.cardTeam, t.staff("cardDoc2"), Role.PHYSICIAN);
        member(db, t.cardTeam, t.staff("cardNurse1"), Role.NURSE_COORDINATOR);
        member(db, t.cardTeam, t.staff("cardNurse2"), Role.NURSE_COORDINATOR);
        member(db, t.cardTeam, t.staff("dietitian"), Role.DIETITIAN);
        t.endoTeam = team(db, t.departments.get("ENDO"), "内分泌随访团队");
        member(db, t.endoTeam, t.staff("endoDoc"), Role.PHYSICIAN);
        member(db, t.endoTeam, t.staff("endoNurse"), Role.NURSE_COORDINATOR);
        return t;
    }

    private void add(DatabaseClient db, PiiCipher cipher, String key, String dept, String no, String name, Role... roles) {
        String phone = "1390000" + String.format("%04d", staff.size() + 1);
        long id = db.sql("""
                        INSERT INTO staff (hospital_id, department_id, employee_no, name, roles, phone_enc, phone_bidx)
                        VALUES (:h, :d, :no, :name, :roles, :penc, :pidx) RETURNING id""")
                .bind("h", hospitalId).bind("d", departments.get(dept)).bind("no", no).bind("name", name)
                .bind("roles", Arrays.stream(roles).map(Enum::name).toArray(String[]::new))
                .bind("penc", cipher.encrypt(PiiField.STAFF_PHONE, phone))
                .bind("pidx", cipher.blindIndex(PiiField.STAFF_PHONE, phone))
                .map(r -> r.get(0, Long.class)).one().block();
        staff.put(key, id);
    }

    private static long team(DatabaseClient db, long dept, String name) {
        return db.sql("INSERT INTO care_team (department_id, name) VALUES (:d, :n) RETURNING id")
                .bind("d", dept).bind("n", name).map(r -> r.get(0, Long.class)).one().block();
    }

    private static void member(DatabaseClient db, long team, long staff, Role role) {
        db.sql("INSERT INTO care_team_member (care_team_id, staff_id, role) VALUES (:t, :s, :r)")
                .bind("t", team).bind("s", staff).bind("r", role.name()).then().block();
    }

    public static Set<String> employeeNumbers() {
        return Set.of("H001", "D001", "D002", "N001", "N002", "H002", "D003", "N003", "D004", "N100", "A001");
    }
}
