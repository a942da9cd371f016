package cn.suifang.backend.discharge;

import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.discharge.DischargeImportService.Row;
import cn.suifang.backend.discharge.ImportReport.RowError;
import java.io.IOException;
import java.io.StringReader;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a discharge CSV as HIS systems export it: a header row with our column names or the usual
 * Chinese ones (住院号, 病案号, 姓名 …), multi-valued cells separated by ';', '；' or '|', dates as
 * yyyy-MM-dd or yyyy/MM/dd, 性别 as 男/女. A row that cannot be read becomes a row error, not a failure
 * of the file; a file without the required columns is refused whole.
 */
final class CsvDischargeReader {

    static final Map<String, String> ALIASES = aliases();
    private static final List<String> REQUIRED = List.of("encounter_id", "mrn", "name", "gender", "department_code",
            "admission_date", "discharge_date", "diagnoses");
    private static final DateTimeFormatter[] DATES = {
            DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT),
            DateTimeFormatter.ofPattern("uuuu/M/d").withResolverStyle(ResolverStyle.STRICT),
            DateTimeFormatter.ofPattern("uuuuMMdd").withResolverStyle(ResolverStyle.STRICT)};

    private CsvDischargeReader() {
    }

    static List<Row> read(String text) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(true).setTrim(true).setAllowMissingColumnNames(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            Map<String, String> columns = new HashMap<>();
            for (String header : parser.getHeaderNames()) {
                String canonical = ALIASES.get(header.trim().toLowerCase(Locale.ROOT));
                if (canonical != null) {
                    columns.put(canonical, header);
                }
            }
            List<String> missing = REQUIRED.stream().filter(c -> !columns.containsKey(c)).toList();
            if (!missing.isEmpty()) {
                throw new ApiException(org.springframework.http.HttpStatus.BAD_REQUEST, "invalid-csv", 1511,
                        "CSV 缺少必需的列：" + String.join("、", missing) + "（第一行须为表头）",
                        missing.stream().map(m -> new ApiException.FieldProblem(m, "缺少该列")).toList());
            }
            LineIndex lines = new LineIndex(body);
            List<Row> rows = new ArrayList<>();
            for (CSVRecord rec : parser) {
                // the file line where the record starts: blank lines and quoted line breaks count
                rows.add(toRow(lines.lineAt(firstNonBlank(body, rec.getCharacterPosition())), rec, columns));
            }
            return rows;
        } catch (IOException | java.io.UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            java.util.regex.Matcher line = java.util.regex.Pattern.compile("startline (\\d+)")
                    .matcher(String.valueOf(e.getMessage()));
            throw new ApiException(org.springframework.http.HttpStatus.BAD_REQUEST, "invalid-csv", 1512,
                    "CSV 文件无法解析" + (line.find() ? "（第 " + line.group(1) + " 行附近）" : "")
                            + "：请检查引号是否成对、分隔符是否为英文逗号");
        }
    }

    private static Row toRow(int line, CSVRecord rec, Map<String, String> columns) {
        try {
            var patient = new DischargeRecord.PatientData(
                    cell(rec, columns, "mrn"), cell(rec, columns, "name"),
                    gender(cell(rec, columns, "gender")),
                    date(rec, columns, "birth_date"),
                    cell(rec, columns, "phone"), cell(rec, columns, "id_card"),
                    bool(cell(rec, columns, "consent_follow_up")), bool(cell(rec, columns, "consent_recording")));
            var record = new DischargeRecord(cell(rec, columns, "encounter_id"), patient,
                    cell(rec, columns, "department_code"), cell(rec, columns, "attending_employee_no"),
                    date(rec, columns, "admission_date"), date(rec, columns, "discharge_date"),
                    list(cell(rec, columns, "diagnoses")), list(cell(rec, columns, "procedures")),
                    cell(rec, columns, "discharge_summary"), cell(rec, columns, "discharge_instructions"),
                    list(cell(rec, columns, "medications")));
            return new Row(line, record, null);
        } catch (CellException e) {
            return new Row(line, null, new RowError(line, cellOrNull(rec, columns, "encounter_id"), e.column, e.getMessage()));
        }
    }

    private static String cell(CSVRecord rec, Map<String, String> columns, String column) {
        String header = columns.get(column);
        if (header == null || !rec.isMapped(header) || !rec.isSet(header)) {
            return null;
        }
        String v = rec.get(header);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String cellOrNull(CSVRecord rec, Map<String, String> columns, String column) {
        try {
            return cell(rec, columns, column);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static LocalDate date(CSVRecord rec, Map<String, String> columns, String column) {
        String v = cell(rec, columns, column);
        if (v == null) {
            return null;
        }
        for (DateTimeFormatter f : DATES) {
            try {
                return LocalDate.parse(v, f);
            } catch (DateTimeParseException ignored) {
                // try the next accepted form
            }
        }
        throw new CellException(column, "日期格式不正确或日期不存在：" + v + "（应为 yyyy-MM-dd）");
    }

    private static DischargeRecord.Gender gender(String v) {
        if (v == null) {
            return null;
        }
        return switch (v.toUpperCase(Locale.ROOT)) {
            case "男", "M", "MALE", "1" -> DischargeRecord.Gender.MALE;
            case "女", "F", "FEMALE", "2" -> DischargeRecord.Gender.FEMALE;
            case "未知", "U", "UNKNOWN", "0", "9" -> DischargeRecord.Gender.UNKNOWN;
            default -> throw new CellException("gender", "性别取值无效：" + v + "（应为 男/女/未知）");
        };
    }

    private static Boolean bool(String v) {
        if (v == null) {
            return null;
        }
        return switch (v.toUpperCase(Locale.ROOT)) {
            case "是", "Y", "YES", "TRUE", "1" -> Boolean.TRUE;
            case "否", "N", "NO", "FALSE", "0" -> Boolean.FALSE;
            default -> throw new CellException("consent", "同意标志取值无效：" + v + "（应为 是/否）");
        };
    }

    private static List<String> list(String v) {
        if (v == null) {
            return List.of();
        }
        return Arrays.stream(v.split("[;；|]")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static Map<String, String> aliases() {
        Map<String, String> m = new HashMap<>();
        String[][] table = {
                {"encounter_id", "住院号", "就诊号", "encounterid"},
                {"mrn", "病案号", "患者id", "患者编号"},
                {"name", "姓名", "患者姓名"},
                {"gender", "性别"},
                {"birth_date", "出生日期"},
                {"phone", "联系电话", "手机号", "电话"},
                {"id_card", "身份证号", "身份证号码"},
                {"department_code", "科室编码", "出院科室编码"},
                {"attending_employee_no", "主治医师工号", "主管医师工号"},
                {"admission_date", "入院日期"},
                {"discharge_date", "出院日期"},
                {"diagnoses", "出院诊断编码", "诊断编码"},
                {"procedures", "手术操作编码", "手术编码"},
                {"discharge_summary", "出院小结"},
                {"discharge_instructions", "出院医嘱"},
                {"medications", "出院带药"},
                {"consent_follow_up", "同意随访"},
                {"consent_recording", "同意录音"}};
        for (String[] row : table) {
            for (String name : row) {
                m.put(name.toLowerCase(Locale.ROOT), row[0]);
            }
        }
        return Map.copyOf(m);
    }

    /** The parser reports where it started reading, which is before any blank lines it skipped. */
    private static long firstNonBlank(String text, long offset) {
        int i = (int) offset;
        while (i < text.length() && (text.charAt(i) == '\n' || text.charAt(i) == '\r')) {
            i++;
        }
        return i;
    }

    /** Maps a character offset to its 1-based line number. */
    private static final class LineIndex {
        private final int[] lineStarts;

        LineIndex(String text) {
            List<Integer> starts = new ArrayList<>();
            starts.add(0);
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) == '\n') {
                    starts.add(i + 1);
                }
            }
            lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
        }

        int lineAt(long offset) {
            int i = java.util.Arrays.binarySearch(lineStarts, (int) offset);
            return (i >= 0 ? i : -i - 2) + 1;
        }
    }

    private static final class CellException extends RuntimeException {
        final String column;

        CellException(String column, String message) {
            super(message);
            this.column = column;
        }
    }
}
