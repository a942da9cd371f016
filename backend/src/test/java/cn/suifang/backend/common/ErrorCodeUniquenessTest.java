package cn.suifang.backend.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every error code names exactly one place in the code, so a support ticket's SF-xxxx leads straight to it. */
class ErrorCodeUniquenessTest {

    private static final Pattern THROW_SITE = Pattern.compile(
            "(?:notFound|badRequest|conflict|forbidden)\\((\\d{4})|new ApiException\\([^;]*?\"[a-z-]+\",\\s*(\\d{4})|\"SF-(\\d{4})\"",
            Pattern.DOTALL);

    @Test
    void everyCodeIsThrownFromOnePlaceOnly() throws IOException {
        Map<String, List<String>> sites = new HashMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher m = THROW_SITE.matcher(source);
                while (m.find()) {
                    String code = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                    sites.computeIfAbsent(code, k -> new ArrayList<>()).add(file.getFileName().toString());
                }
            }
        }

        assertThat(sites).hasSizeGreaterThan(40);
        assertThat(sites.entrySet()).filteredOn(e -> e.getValue().size() > 1)
                .as("error codes used at more than one place").isEmpty();
    }
}
