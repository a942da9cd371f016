package cn.suifang.backend.results;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.DateUtil;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.ss.usermodel.WorkbookFactory;

/**
 * A sheet of lab results as a LIS or a ward exports it — CSV (commons-csv) or an Excel workbook's first sheet (Apache
 * POI) — read by its header row, in our column names or the usual Chinese ones: 病案号, 身份证号, 项目编码, 编码体系,
 * 结果, 单位, 检验时间 (项目名称 and other columns are ignored). A row that cannot be read keeps its line number and the
 * reason; the others are read.
 */
final class LabSheet {

    static final Map<String, String> ALIASES = aliases();
    private static final DateTimeFormatter[] TIMES = {DateTimeFormatter.ofPattern("yyyy-M-d H:mm[:ss]"),
            DateTimeFormatter.ofPattern("yyyy/M/d H:mm[:ss]"), DateTimeFormatter.ofPattern("yyyyMMddHHmm[ss]")};
    private static final DateTimeFormatter[] DAYS = {DateTimeFormatter.ofPattern("yyyy-M-d"),
            DateTimeFormatter.ofPattern("yyyy/M/d"), DateTimeFormatter.ofPattern("yyyyMMdd")};

    private LabSheet() {
    }

    /** One row as read; {@code error} set when it could not be read (the row number counts the header as 1). */
    record Line(int number, String mrn, String idCard, String system, String code, String value, String unit,
                OffsetDateTime at, String error) {
    }

    private static Map<String, String> aliases() {
        Map<String, String> a = new HashMap<>();
        for (String s : List.of("mrn", "病案号", "患者id", "患者编号", "住院号/病案号")) {
            a.put(s, "mrn");
        }
        for (String s : List.of("id_card", "身份证号", "身份证")) {
            a.put(s, "id_card");
        }
        for (String s : List.of("code", "项目编码", "检验项目编码", "loinc")) {
            a.put(s, "code");
        }
        for (String s : List.of("coding_system", "编码体系", "编码系统")) {
            a.put(s, "coding_system");
        }
        for (String s : List.of("value", "结果", "检验结果", "结果值")) {
            a.put(s, "value");
        }
        for (String s : List.of("unit", "单位")) {
            a.put(s, "unit");
        }
        for (String s : List.of("time", "检验时间", "报告时间", "采样时间")) {
            a.put(s, "time");
        }
        return Map.copyOf(a);
    }

    static List<Line> csv(String text, String defaultSystem, ZoneId zone) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setIgnoreEmptyLines(true)
                .setTrim(true).get();
        try (CSVParser parser = CSVParser.parse(new StringReader(body), format)) {
            Map<String, String> columns = columns(parser.getHeaderNames());
            List<Line> lines = new ArrayList<>();
            for (CSVRecord r : parser) {
                Map<String, String> values = new HashMap<>();
                columns.forEach((canonical, header) -> values.put(canonical, r.isSet(header) ? r.get(header) : null));
                lines.add(line((int) r.getRecordNumber() + 1, values, null, defaultSystem, zone));
            }
            return lines;
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException("CSV 无法读取：" + e.getMessage());
        }
    }

    static List<Line> xlsx(byte[] bytes, String defaultSystem, ZoneId zone) {
        try (Workbook book = WorkbookFactory.create(new ByteArrayInputStream(bytes))) {
            Sheet sheet = book.getSheetAt(0);
            DataFormatter text = new DataFormatter(Locale.CHINA);
            Row header = sheet.getRow(sheet.getFirstRowNum());
            if (header == null) {
                throw new IllegalArgumentException("工作表为空");
            }
            List<String> names = new ArrayList<>();
            for (int c = 0; c < header.getLastCellNum(); c++) {
                names.add(header.getCell(c) == null ? "" : text.formatCellValue(header.getCell(c)));
            }
            Map<String, String> columns = columns(names);
            List<Line> lines = new ArrayList<>();
            for (int i = sheet.getFirstRowNum() + 1; i <= sheet.getLastRowNum(); i++) {
                Row row = sheet.getRow(i);
                if (row == null) {
                    continue;
                }
                Map<String, String> values = new HashMap<>();
                LocalDateTime when = null;
                boolean any = false;
                for (var e : columns.entrySet()) {
                    Cell cell = row.getCell(names.indexOf(e.getValue()));
                    if (cell == null || cell.getCellType() == CellType.BLANK) {
                        continue;
                    }
                    any = true;
                    if (e.getKey().equals("time") && cell.getCellType() == CellType.NUMERIC && DateUtil.isCellDateFormatted(cell)) {
                        when = cell.getLocalDateTimeCellValue();
                    } else {
                        values.put(e.getKey(), text.formatCellValue(cell).strip());
                    }
                }
                if (any) {
                    lines.add(line(i + 1, values, when, defaultSystem, zone));
                }
            }
            return lines;
        } catch (IOException | org.apache.poi.EmptyFileException | org.apache.poi.openxml4j.exceptions.NotOfficeXmlFileException e) {
            throw new IllegalArgumentException("Excel 文件无法读取（应为 .xlsx）：" + e.getMessage());
        }
    }

    private static Map<String, String> columns(List<String> headers) {
        Map<String, String> columns = new HashMap<>();
        for (String header : headers) {
            String canonical = ALIASES.get(header.strip().toLowerCase(Locale.ROOT));
            if (canonical != null) {
                columns.putIfAbsent(canonical, header);
            }
        }
        if (!columns.containsKey("mrn") && !columns.containsKey("id_card")) {
            throw new IllegalArgumentException("表头缺少“病案号”或“身份证号”列");
        }
        for (String required : List.of("code", "value")) {
            if (!columns.containsKey(required)) {
                throw new IllegalArgumentException("表头缺少“" + (required.equals("code") ? "项目编码" : "结果") + "”列");
            }
        }
        return columns;
    }

    private static Line line(int number, Map<String, String> v, LocalDateTime cellTime, String defaultSystem, ZoneId zone) {
        String mrn = blankToNull(v.get("mrn"));
        String idCard = blankToNull(v.get("id_card"));
        String code = blankToNull(v.get("code"));
        String value = blankToNull(v.get("value"));
        String system = blankToNull(v.get("coding_system"));
        String error = null;
        if (mrn == null && idCard == null) {
            error = "缺少病案号或身份证号";
        } else if (code == null) {
            error = "缺少项目编码";
        } else if (value == null) {
            error = "缺少结果";
        }
        OffsetDateTime at = cellTime == null ? null : cellTime.atZone(zone).toOffsetDateTime();
        String time = blankToNull(v.get("time"));
        if (at == null && time != null) {
            at = time(time, zone);
            if (at == null && error == null) {
                error = "检验时间“" + time + "”格式不对，应为 2026-11-20 08:30 或 2026-11-20";
            }
        }
        return new Line(number, mrn, idCard, system != null ? system : defaultSystem, code, value, blankToNull(v.get("unit")),
                at, error);
    }

    private static OffsetDateTime time(String s, ZoneId zone) {
        for (DateTimeFormatter f : TIMES) {
            try {
                return LocalDateTime.parse(s, f).atZone(zone).toOffsetDateTime();
            } catch (DateTimeParseException ignored) {
                // next
            }
        }
        for (DateTimeFormatter f : DAYS) {
            try {
                return LocalDate.parse(s, f).atStartOfDay(zone).toOffsetDateTime();
            } catch (DateTimeParseException ignored) {
                // next
            }
        }
        return null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
