package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslHeader;
import cn.suifang.telephony.esl.EslJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/** The API commands the simulator implements, with mod_commands' output texts. */
final class ApiCommands {

    private final SimCore core;

    ApiCommands(SimCore core) {
        this.core = core;
    }

    /** Runs {@code command arg}; {@code output} gets the text once, immediately or (originate) later. */
    void execute(String command, String arg, Consumer<String> output) {
        String[] argv = arg.isBlank() ? new String[0] : arg.trim().split("\\s+");
        switch (command.toLowerCase(Locale.ROOT)) {
            case "originate" -> SimCall.originate(core, arg, output);
            case "uuid_exists" -> output.accept(argv.length > 0 && core.channel(argv[0]) != null ? "true" : "false");
            case "uuid_kill" -> output.accept(kill(argv));
            case "uuid_getvar" -> output.accept(getvar(argv));
            case "uuid_dump" -> output.accept(dump(argv));
            case "uuid_record" -> output.accept(record(argv));
            case "show" -> output.accept(show(argv));
            case "status" -> output.accept("UP 0 years, 0 days, 0 hours, 0 minutes, 0 seconds, 0 milliseconds, "
                    + "0 microseconds\nFreeSWITCH (Version 1.10 simulated) is ready\n"
                    + core.channels.size() + " session(s) - peak 0, last 5min 0\n");
            default -> output.accept("-ERR " + command + " Command not found!\n");
        }
    }

    private String kill(String[] argv) {
        if (argv.length == 0) {
            return "-USAGE: <uuid> [cause]\n";
        }
        SimChannel ch = core.channel(argv[0]);
        if (ch == null) {
            return "-ERR No such channel!\n";
        }
        ch.call.kill(ch, argv.length > 1 ? argv[1].toUpperCase(Locale.ROOT) : "NORMAL_CLEARING");
        return "+OK\n";
    }

    private String getvar(String[] argv) {
        if (argv.length == 0) {
            return "-USAGE: <uuid> <var>\n";
        }
        SimChannel ch = core.channel(argv[0]);
        if (ch == null) {
            return "-ERR No such channel!\n";
        }
        if (argv.length < 2) {
            return "-ERR No variable name specified!\n";
        }
        String value = ch.variables.get(argv[1]);
        return value == null || value.isEmpty() ? "_undef_" : value;
    }

    /**
     * Quirk kept from mod_commands: the default format "txt" is URL-encoded like a plain event,
     * while the format called "plain" is not encoded and brackets every value.
     */
    private String dump(String[] argv) {
        if (argv.length == 0) {
            return "-USAGE: <uuid> [format]\n";
        }
        SimChannel ch = core.channel(argv[0]);
        if (ch == null) {
            return "-ERR No such channel!\n";
        }
        EslEvent data = core.events.channel("CHANNEL_DATA", ch);
        String format = argv.length > 1 ? argv[1].toLowerCase(Locale.ROOT) : "txt";
        return switch (format) {
            case "json" -> data.serializeJson();
            case "plain" -> {
                StringBuilder out = new StringBuilder();
                for (EslHeader h : data.headers()) {
                    out.append(h.name()).append(": [").append(h.value()).append("]\n");
                }
                yield out.append('\n').toString();
            }
            case "xml" -> "-ERR Unable to create xml!\n";
            default -> data.serializePlain();
        };
    }

    private String record(String[] argv) {
        if (argv.length < 3) {
            return "-USAGE: <uuid> [start|stop] <path> [<limit>]\n";
        }
        SimChannel ch = core.channel(argv[0]);
        if (ch == null) {
            return "-ERR Cannot locate session!\n";
        }
        switch (argv[1].toLowerCase(Locale.ROOT)) {
            case "start" -> ch.call.startRecording(ch, SimCall.expand(argv[2], ch));
            case "stop" -> ch.call.stopRecording(ch);
            default -> {
                return "-USAGE: <uuid> [start|stop] <path> [<limit>]\n";
            }
        }
        return "+OK Success\n";
    }

    /**
     * {@code show channels [as json]}. Quirk kept: with no channels the JSON form is
     * {@code {"row_count": 0}} plus a newline and no {@code rows} member.
     */
    private String show(String[] argv) {
        if (argv.length == 0 || !argv[0].equalsIgnoreCase("channels")) {
            return "-USAGE: channels [as json]\n";
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        core.channels.values().forEach(ch -> rows.add(core.events.channelRow(ch)));
        boolean json = argv.length >= 3 && argv[1].equalsIgnoreCase("as") && argv[2].equalsIgnoreCase("json");
        if (json) {
            if (rows.isEmpty()) {
                return "{\"row_count\": 0}\n";
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("row_count", rows.size());
            result.put("rows", rows);
            return EslJson.write(result);
        }
        StringBuilder out = new StringBuilder();
        if (!rows.isEmpty()) {
            out.append(String.join(",", rows.get(0).keySet())).append('\n');
            rows.forEach(r -> out.append(String.join(",", r.values().stream().map(String::valueOf).toList()))
                    .append('\n'));
        }
        return out.append('\n').append(rows.size()).append(" total.\n").toString();
    }
}
