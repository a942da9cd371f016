package cn.suifang.backend.common;

import io.r2dbc.spi.Readable;
import java.util.Arrays;
import java.util.List;
import org.springframework.r2dbc.core.Parameter;

/** Small helpers for reading and binding R2DBC values. */
public final class Rows {

    private Rows() {
    }

    public static List<String> strings(Readable row, String column) {
        String[] values = row.get(column, String[].class);
        return values == null ? List.of() : Arrays.asList(values);
    }

    public static Parameter param(Object value, Class<?> type) {
        return value == null ? Parameter.empty(type) : Parameter.from(value);
    }

    public static String[] array(List<String> values) {
        return values == null ? new String[0] : values.toArray(String[]::new);
    }
}
