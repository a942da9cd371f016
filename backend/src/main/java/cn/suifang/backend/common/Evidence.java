package cn.suifang.backend.common;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How rule conditions (alert rules, tag rules) combine what their parts saw: each part either holds and says in words
 * what it saw, or does not. {@code any} holds when one part does and names every part that held; {@code all} holds only
 * when every part does, and stops at the first that does not.
 */
public final class Evidence {

    private static final String JOIN = "；";

    private Evidence() {
    }

    public static <C> Optional<String> any(List<C> parts, Function<C, Optional<String>> test) {
        List<String> seen = parts.stream().map(test).flatMap(Optional::stream).toList();
        return seen.isEmpty() ? Optional.empty() : Optional.of(String.join(JOIN, seen));
    }

    public static <C> Optional<String> all(List<C> parts, Function<C, Optional<String>> test) {
        List<String> seen = new ArrayList<>();
        for (C part : parts) {
            Optional<String> s = test.apply(part);
            if (s.isEmpty()) {
                return Optional.empty();
            }
            seen.add(s.get());
        }
        return Optional.of(String.join(JOIN, seen));
    }
}
