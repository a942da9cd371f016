package cn.suifang.telephony.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventOutboxTest {

    @TempDir
    Path dir;

    private static Map<String, String> event(int n) {
        return Map.of("callId", "c" + (n % 3), "sequence", Integer.toString(n), "type", "HANGUP");
    }

    private static List<String> sequences(List<EventOutbox.Entry> entries) {
        return entries.stream().map(e -> e.fields().get("sequence")).toList();
    }

    @Test
    void entriesComeBackInOrder_andACommitSurvivesReopening() throws IOException {
        try (EventOutbox outbox = new EventOutbox(dir, "b1", 1 << 20)) {
            assertThat(outbox.isEmpty()).isTrue();
            assertThat(outbox.append(List.of(event(1), event(2), event(3)))).isEqualTo(3);
            List<EventOutbox.Entry> first = outbox.peek(2, at -> { });
            assertThat(sequences(first)).containsExactly("1", "2");
            outbox.commit(first.get(1).end());
        }

        try (EventOutbox reopened = new EventOutbox(dir, "b1", 1 << 20)) {
            List<EventOutbox.Entry> rest = reopened.peek(10, at -> { });
            assertThat(sequences(rest)).containsExactly("3");
            reopened.commit(rest.get(0).end());
            assertThat(reopened.isEmpty()).isTrue();
        }
        assertThat(Files.size(dir.resolve("b1.jsonl"))).isZero();
    }

    @Test
    void aHalfWrittenLastLine_isCutOffOnOpening_soTheNextAppendStaysReadable() throws IOException {
        try (EventOutbox outbox = new EventOutbox(dir, "b1", 1 << 20)) {
            outbox.append(List.of(event(1)));
        }
        String torn = "{\"callId\":\"c2\",\"seq";
        Files.writeString(dir.resolve("b1.jsonl"), torn, StandardCharsets.UTF_8, StandardOpenOption.APPEND); // the crash

        try (EventOutbox reopened = new EventOutbox(dir, "b1", 1 << 20)) {
            assertThat(reopened.tornBytes()).isEqualTo(torn.length());
            reopened.append(List.of(event(2)));
            assertThat(sequences(reopened.peek(10, at -> { }))).containsExactly("1", "2");
        }
    }

    @Test
    void anAppendBeyondTheBound_writesOnlyWhatFits() throws IOException {
        try (EventOutbox outbox = new EventOutbox(dir, "b1", 4096)) {
            List<Map<String, String>> many = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                many.add(event(i));
            }

            int written = outbox.append(many);

            assertThat(written).isBetween(1, 199);
            assertThat(Files.size(outbox.file())).isLessThanOrEqualTo(4096);
            assertThat(outbox.peek(1000, at -> { })).hasSize(written);
        }
    }

    @Test
    void anOffsetLeftBeyondTheEndByACrashAfterEmptying_readsAsEmptyAndNewEntriesAreKept() throws IOException {
        try (EventOutbox outbox = new EventOutbox(dir, "b1", 1 << 20)) {
            outbox.append(List.of(event(1), event(2)));
        }
        Files.writeString(dir.resolve("b1.offset"), "9999"); // emptied, then died before resetting the offset
        Files.writeString(dir.resolve("b1.jsonl"), "");

        try (EventOutbox reopened = new EventOutbox(dir, "b1", 1 << 20)) {
            reopened.append(List.of(event(3)));
        }
        try (EventOutbox again = new EventOutbox(dir, "b1", 1 << 20)) {
            assertThat(sequences(again.peek(10, at -> { }))).containsExactly("3");
        }
    }
}
