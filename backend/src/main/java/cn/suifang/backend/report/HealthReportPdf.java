package cn.suifang.backend.report;

import cn.suifang.backend.note.NoteService;
import cn.suifang.backend.observation.ObservationCode;
import cn.suifang.backend.observation.ObservationService.Observation;
import cn.suifang.backend.patient.PatientService.PatientView;
import cn.suifang.backend.workbench.WorkbenchService.Code;
import cn.suifang.backend.workbench.WorkbenchService.EncounterSummary;
import de.rototor.pdfbox.graphics2d.PdfBoxGraphics2D;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.SimpleDateFormat;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.function.IntPredicate;
import org.apache.fontbox.ttf.CmapLookup;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.util.Matrix;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.time.Day;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/**
 * Lays the health report out on A4 pages with PDFBox: text in an embedded (subset) CJK TrueType font, so it can be
 * searched and copied; trend charts drawn by JFreeChart through pdfbox-graphics2d as vector forms. Pure function of
 * its data; blocking (font file, layout), so callers run it off the event loop.
 */
final class HealthReportPdf {

    /** Everything the report shows; {@code encounter} and {@code plan} may be null for a patient without them. */
    record Data(String hospitalName, String printedBy, LocalDate today, ZoneId zone, PatientView patient,
                EncounterSummary encounter,
                HealthReportService.PlanSummary plan, List<NoteService.Note> recentNotes, List<Observation> series,
                HealthAdvice advice, cn.suifang.backend.summary.StageSummaries.Summary stageSummary,
                List<cn.suifang.backend.advice.Interventions.Intervention> interventions) {
    }

    private static final float MARGIN = 48;
    private static final float WIDTH = PDRectangle.A4.getWidth() - 2 * MARGIN;
    private static final float BODY = 10.5f;
    private static final float LEADING = 1.55f;
    private static final float CHART_W = (WIDTH - 16) / 2;
    private static final float CHART_H = 150;
    private static final Color ACCENT = new Color(0x1f, 0x6f, 0xb2);
    private static final Color[] SERIES = {new Color(0xd9, 0x48, 0x3b), new Color(0x1f, 0x6f, 0xb2)};
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy年M月d日");
    private static final Map<String, String> GENDER = Map.of("MALE", "男", "FEMALE", "女", "UNKNOWN", "未知");
    private static final Map<String, String> OUTCOME = Map.of("COMPLETED", "已完成随访", "UNREACHABLE", "未联系上",
            "REFUSED", "拒绝随访", "READMITTED", "已再入院");

    private HealthReportPdf() {
    }

    static byte[] render(Data data, Path fontFile) throws IOException {
        if (!Files.isReadable(fontFile)) {
            throw new IllegalStateException("report font not readable: " + fontFile
                    + " (install fonts-wqy-zenhei or set suifang.report.font-path)");
        }
        boolean collection = fontFile.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".ttc");
        try (PDDocument doc = new PDDocument();
             TrueTypeCollection ttc = collection ? new TrueTypeCollection(fontFile.toFile()) : null;
             TrueTypeFont ttf = collection ? firstFont(ttc)
                     : new TTFParser().parse(new RandomAccessReadBufferedFile(fontFile.toFile()))) {
            PDFont font = PDType0Font.load(doc, ttf, true);
            CmapLookup cmap = ttf.getUnicodeCmapLookup();
            doc.getDocumentInformation().setTitle(data.patient().name() + " 健康报告");
            doc.getDocumentInformation().setCreator("随访系统");
            Layout out = new Layout(doc, font, cp -> cmap.getGlyphId(cp) != 0, data);
            write(out, data);
            out.finish();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            doc.save(bytes);
            return bytes.toByteArray();
        }
    }

    private static TrueTypeFont firstFont(TrueTypeCollection collection) throws IOException {
        TrueTypeFont[] first = new TrueTypeFont[1];
        collection.processAllFonts(f -> {
            if (first[0] == null) {
                first[0] = f;
            }
        });
        if (first[0] == null) {
            throw new IOException("empty font collection");
        }
        return first[0];
    }

    private static void write(Layout out, Data d) throws IOException {
        PatientView p = d.patient();
        EncounterSummary e = d.encounter();
        out.title(d.hospitalName() + " 健康报告");
        out.small("打印日期：" + DAY.format(d.today()) + "    打印人：" + d.printedBy() + "    病历号：" + p.mrn());

        out.heading("基本信息");
        out.line("姓名：" + p.name() + "    性别：" + GENDER.getOrDefault(p.gender(), "未知")
                + (p.age() == null ? "" : "    年龄：" + p.age() + " 岁") + "    科室：" + p.departmentName());
        if (p.idCardMasked() != null || p.phoneMasked() != null) {
            out.line((p.idCardMasked() == null ? "" : "身份证号：" + p.idCardMasked() + "    ")
                    + (p.phoneMasked() == null ? "" : "联系电话：" + p.phoneMasked()));
        }

        out.heading("诊断与治疗");
        if (e == null) {
            out.line("暂无住院记录");
        } else {
            out.line("住院：" + DAY.format(e.admissionDate()) + " 至 " + DAY.format(e.dischargeDate()) + "（" + e.departmentName()
                    + (e.attendingName() == null ? "" : "，主治医生 " + e.attendingName()) + "）");
            out.paragraph("出院诊断：" + codes(e.diagnoses()));
            if (!e.procedures().isEmpty()) {
                out.paragraph("手术/操作：" + codes(e.procedures()));
            }
            if (!e.medications().isEmpty()) {
                out.paragraph("出院带药：" + String.join("；", e.medications()));
            }
            if (e.dischargeInstructions() != null && !e.dischargeInstructions().isBlank()) {
                out.paragraph("出院医嘱：" + e.dischargeInstructions());
            }
        }

        out.heading("指标趋势");
        charts(out, d.series(), d.zone());

        out.heading("随访情况");
        HealthReportService.PlanSummary plan = d.plan();
        if (plan == null) {
            out.line("暂无随访计划");
        } else {
            out.paragraph("随访路径：" + plan.pathwayName() + "。计划随访 " + plan.planned() + " 次，已完成 " + plan.completed() + " 次"
                    + (plan.unreachable() > 0 ? "，未联系上 " + plan.unreachable() + " 次" : "") + "。");
        }
        if (d.recentNotes().isEmpty()) {
            out.line("暂无随访记录");
        }
        for (NoteService.Note n : d.recentNotes()) {
            String when = DAY.format(n.createdAt().atZoneSameInstant(d.zone()).toLocalDate());
            out.bullet(when + "  " + n.authorName() + "：" + OUTCOME.getOrDefault(n.outcome().name(), n.outcome().name())
                    + (n.symptoms().isEmpty() ? "" : "；症状：" + String.join("、", n.symptoms()))
                    + (n.advice().isEmpty() ? "" : "；医生建议：" + String.join("、", n.advice())));
        }

        out.heading("阶段小结");
        if (e != null) {
            long days = ChronoUnit.DAYS.between(e.dischargeDate(), d.today());
            out.paragraph("出院第 " + days + " 天，处于" + HealthReportService.stage(days) + "。");
        }
        var summary = d.stageSummary();
        if (summary == null) {
            out.paragraph(latest(d.series()));
        } else {
            for (String line : summary.narrative().split("\n")) {
                out.paragraph(line);
            }
            out.small("以上阶段总结由 " + summary.signedBy() + " 于 "
                    + DAY.format(summary.signedAt().atZoneSameInstant(d.zone()).toLocalDate()) + " 审核签署");
        }

        out.heading("健康建议");
        if (!d.interventions().isEmpty()) {
            out.subheading("医生给您的建议");
            for (var i : d.interventions()) {
                out.bullet(i.title() + "：" + i.body() + (i.outcomeLabel() == null ? "" : "（" + i.outcomeLabel() + "）"));
            }
        }
        out.subheading("饮食");
        for (String s : d.advice().diet()) {
            out.bullet(s);
        }
        out.subheading("运动");
        for (String s : d.advice().exercise()) {
            out.bullet(s);
        }
        out.subheading("心理");
        for (String s : d.advice().mental()) {
            out.bullet(s);
        }
        out.gap(8);
        out.small("本报告由随访系统根据住院和随访记录生成，仅供参考，具体治疗请遵医嘱。如出现胸痛、呼吸困难、意识改变等紧急情况，请立即拨打 120。");
    }

    private static String codes(List<Code> codes) {
        return codes.stream().map(c -> c.name() == null ? c.code() : c.name() + "（" + c.code() + "）")
                .collect(Collectors.joining("；"));
    }

    /** The latest reading of each charted indicator, one sentence. */
    private static String latest(List<Observation> series) {
        List<String> parts = new ArrayList<>();
        for (List<ObservationCode> chart : HealthReportService.CHARTS) {
            for (ObservationCode code : chart) {
                series.stream().filter(o -> o.code() == code).reduce((a, b) -> b)
                        .ifPresent(o -> parts.add(code.label() + " " + o.value().stripTrailingZeros().toPlainString() + " " + o.unit()));
            }
        }
        return parts.isEmpty() ? "暂无指标记录。" : "最近一次记录：" + String.join("，", parts) + "。";
    }

    private static void charts(Layout out, List<Observation> series, ZoneId zone) throws IOException {
        List<List<ObservationCode>> withData = HealthReportService.CHARTS.stream()
                .filter(codes -> series.stream().anyMatch(o -> codes.contains(o.code()))).toList();
        if (withData.isEmpty()) {
            out.line("暂无指标记录");
            return;
        }
        for (int i = 0; i < withData.size(); i += 2) {
            out.ensure(CHART_H + 28);
            float top = out.y;
            for (int j = i; j < Math.min(i + 2, withData.size()); j++) {
                float x = MARGIN + (j - i) * (CHART_W + 16);
                List<ObservationCode> codes = withData.get(j);
                out.chartCaption(x, top, codes);
                out.drawChart(chart(codes, series, zone), x, top - 18 - CHART_H);
            }
            out.y = top - 18 - CHART_H - 12;
        }
    }

    private static JFreeChart chart(List<ObservationCode> codes, List<Observation> series, ZoneId zone) {
        TimeSeriesCollection dataset = new TimeSeriesCollection();
        for (ObservationCode code : codes) {
            TimeSeries ts = new TimeSeries(code.name());
            for (Observation o : series) {
                if (o.code() == code) {
                    LocalDate day = o.effectiveAt().atZoneSameInstant(zone).toLocalDate();
                    ts.addOrUpdate(new Day(day.getDayOfMonth(), day.getMonthValue(), day.getYear()), o.value());
                }
            }
            dataset.addSeries(ts);
        }
        Font tick = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
        DateAxis time = new DateAxis(null);
        time.setDateFormatOverride(new SimpleDateFormat("yy-MM"));
        time.setTickLabelFont(tick);
        NumberAxis value = new NumberAxis(null);
        value.setAutoRangeIncludesZero(false);
        value.setTickLabelFont(tick);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int k = 0; k < codes.size(); k++) {
            renderer.setSeriesPaint(k, SERIES[k % SERIES.length]);
            renderer.setSeriesStroke(k, new BasicStroke(1.5f));
            renderer.setSeriesShape(k, new Rectangle2D.Double(-2, -2, 4, 4));
        }
        XYPlot plot = new XYPlot(dataset, time, value, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        plot.setRangeGridlinePaint(new Color(0xdd, 0xdd, 0xdd));
        JFreeChart chart = new JFreeChart(null, null, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setBorderVisible(false);
        return chart;
    }

    /** A cursor down the pages: adds a page when the next block does not fit, numbers the pages at the end. */
    private static final class Layout {

        private final PDDocument doc;
        private final PDFont font;
        private final IntPredicate hasGlyph;
        private final Data data;
        private PDPageContentStream cs;
        private float y;

        Layout(PDDocument doc, PDFont font, IntPredicate hasGlyph, Data data) throws IOException {
            this.doc = doc;
            this.font = font;
            this.hasGlyph = hasGlyph;
            this.data = data;
            newPage();
        }

        private void newPage() throws IOException {
            if (cs != null) {
                cs.close();
            }
            PDPage page = new PDPage(PDRectangle.A4);
            doc.addPage(page);
            cs = new PDPageContentStream(doc, page);
            y = PDRectangle.A4.getHeight() - MARGIN;
        }

        void ensure(float height) throws IOException {
            if (y - height < MARGIN + 20) {
                newPage();
            }
        }

        void gap(float h) {
            y -= h;
        }

        void title(String text) throws IOException {
            ensure(30);
            text(text, MARGIN, y - 18, 18, ACCENT);
            y -= 30;
        }

        void heading(String text) throws IOException {
            ensure(60);
            y -= 8;
            text(text, MARGIN, y - 13, 13, ACCENT);
            y -= 18;
            cs.setStrokingColor(ACCENT);
            cs.setLineWidth(0.6f);
            cs.moveTo(MARGIN, y);
            cs.lineTo(MARGIN + WIDTH, y);
            cs.stroke();
            y -= 8;
        }

        void subheading(String text) throws IOException {
            ensure(30);
            text(text, MARGIN, y - 11.5f, 11.5f, Color.DARK_GRAY);
            y -= 11.5f * LEADING;
        }

        void small(String text) throws IOException {
            wrap(text, MARGIN, WIDTH, 8.5f, Color.GRAY);
        }

        void line(String text) throws IOException {
            wrap(text, MARGIN, WIDTH, BODY, Color.BLACK);
        }

        void paragraph(String text) throws IOException {
            wrap(text, MARGIN, WIDTH, BODY, Color.BLACK);
        }

        void bullet(String text) throws IOException {
            ensure(BODY * LEADING);
            cs.setNonStrokingColor(Color.DARK_GRAY);
            cs.addRect(MARGIN + 5, y - BODY * 0.62f, 3, 3);
            cs.fill();
            wrap(text, MARGIN + 16, WIDTH - 16, BODY, Color.BLACK);
        }

        void chartCaption(float x, float top, List<ObservationCode> codes) throws IOException {
            String unit = codes.get(0).unit();
            float cx = x;
            for (int k = 0; k < codes.size(); k++) {
                cs.setStrokingColor(SERIES[k % SERIES.length]);
                cs.setLineWidth(1.5f);
                cs.moveTo(cx, top - 8);
                cs.lineTo(cx + 14, top - 8);
                cs.stroke();
                String label = codes.get(k).label();
                text(label, cx + 18, top - 12, 10, Color.BLACK);
                cx += 18 + width(label, 10) + 12;
            }
            text("（" + unit + "）", cx - 8, top - 12, 9, Color.GRAY);
        }

        void drawChart(JFreeChart chart, float x, float bottom) throws IOException {
            PdfBoxGraphics2D g = new PdfBoxGraphics2D(doc, CHART_W, CHART_H);
            try {
                chart.draw(g, new Rectangle2D.Double(0, 0, CHART_W, CHART_H));
            } finally {
                g.dispose();
            }
            PDFormXObject form = g.getXFormObject();
            cs.saveGraphicsState();
            cs.transform(Matrix.getTranslateInstance(x, bottom));
            cs.drawForm(form);
            cs.restoreGraphicsState();
        }

        /** Breaks text to the width character by character (Chinese has no spaces to break at). */
        private void wrap(String text, float x, float width, float size, Color color) throws IOException {
            StringBuilder current = new StringBuilder();
            int i = 0;
            while (i < text.length()) {
                int cp = text.codePointAt(i);
                String next = current + new String(Character.toChars(cp));
                if (width(next, size) > width && !current.isEmpty()) {
                    emit(current.toString(), x, size, color);
                    current.setLength(0);
                } else {
                    current.setLength(0);
                    current.append(next);
                    i += Character.charCount(cp);
                }
            }
            if (!current.isEmpty()) {
                emit(current.toString(), x, size, color);
            }
        }

        private void emit(String line, float x, float size, Color color) throws IOException {
            ensure(size * LEADING);
            text(line, x, y - size, size, color);
            y -= size * LEADING;
        }

        private void text(String s, float x, float baseline, float size, Color color) throws IOException {
            cs.beginText();
            cs.setFont(font, size);
            cs.setNonStrokingColor(color);
            cs.newLineAtOffset(x, baseline);
            cs.showText(printable(s));
            cs.endText();
        }

        private float width(String s, float size) throws IOException {
            return font.getStringWidth(printable(s)) / 1000 * size;
        }

        /**
         * The text with characters the font has no glyph for replaced by the nearest it has (PDFBox refuses to
         * show a string with a missing glyph): dashes become hyphens, anything else a full-width question mark.
         */
        private String printable(String s) {
            StringBuilder out = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> {
                if (hasGlyph.test(cp) || Character.isWhitespace(cp) && hasGlyph.test(' ')) {
                    out.appendCodePoint(Character.isWhitespace(cp) ? ' ' : cp);
                } else if ((cp == 0x2013 || cp == 0x2014) && hasGlyph.test('-')) {
                    out.append('-');
                } else if (cp == 0x2265 && hasGlyph.test('>')) {
                    out.append(">=");
                } else {
                    out.append(hasGlyph.test(0xFF1F) ? '\uFF1F' : '?');
                }
            });
            return out.toString();
        }

        /** Footer with page numbers on every page, then closes the last content stream. */
        void finish() throws IOException {
            cs.close();
            int pages = doc.getNumberOfPages();
            for (int i = 0; i < pages; i++) {
                try (PDPageContentStream footer = new PDPageContentStream(doc, doc.getPage(i),
                        PDPageContentStream.AppendMode.APPEND, true, true)) {
                    cs = footer;
                    text(data.hospitalName() + " · " + data.patient().name() + " 健康报告    第 " + (i + 1) + " / " + pages + " 页",
                            MARGIN, MARGIN - 20, 8, Color.GRAY);
                }
            }
        }
    }
}
