package cn.suifang.telephony.sim;

import cn.suifang.telephony.esl.EslCommand;
import cn.suifang.telephony.esl.EslEvent;
import cn.suifang.telephony.esl.EslFrame;
import cn.suifang.telephony.esl.EslHeader;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** One inbound ESL connection, handled like mod_event_socket's listener_run/parse_command. */
final class SimSession extends SimpleChannelInboundHandler<EslCommand> {

    private static final System.Logger LOG = System.getLogger(SimSession.class.getName());

    /** switch_name_event's table, enough for subscriptions to be validated like the switch does. */
    private static final Set<String> EVENT_NAMES = Set.of("CUSTOM", "CLONE", "CHANNEL_CREATE", "CHANNEL_DESTROY",
            "CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_ANSWER", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE",
            "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_BRIDGE",
            "CHANNEL_UNBRIDGE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_OUTGOING", "CHANNEL_PARK",
            "CHANNEL_UNPARK", "CHANNEL_APPLICATION", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "API", "LOG",
            "INBOUND_CHAN", "OUTBOUND_CHAN", "STARTUP", "SHUTDOWN", "PUBLISH", "UNPUBLISH", "TALK", "NOTALK",
            "SESSION_CRASH", "MODULE_LOAD", "MODULE_UNLOAD", "DTMF", "MESSAGE", "PRESENCE_IN", "NOTIFY_IN",
            "PRESENCE_OUT", "PRESENCE_PROBE", "MESSAGE_WAITING", "MESSAGE_QUERY", "ROSTER", "CODEC",
            "BACKGROUND_JOB", "DETECTED_SPEECH", "DETECTED_TONE", "PRIVATE_COMMAND", "HEARTBEAT", "TRAP",
            "ADD_SCHEDULE", "DEL_SCHEDULE", "EXE_SCHEDULE", "RE_SCHEDULE", "RELOADXML", "NOTIFY",
            "PHONE_FEATURE", "PHONE_FEATURE_SUBSCRIBE", "SEND_MESSAGE", "RECV_MESSAGE", "REQUEST_PARAMS",
            "CHANNEL_DATA", "GENERAL", "COMMAND", "SESSION_HEARTBEAT", "CLIENT_DISCONNECTED",
            "SERVER_DISCONNECTED", "SEND_INFO", "RECV_INFO", "RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE",
            "CALL_SECURE", "NAT", "RECORD_START", "RECORD_STOP", "PLAYBACK_START", "PLAYBACK_STOP",
            "CALL_UPDATE", "FAILURE", "SOCKET_DATA", "MEDIA_BUG_START", "MEDIA_BUG_STOP",
            "CONFERENCE_DATA_QUERY", "CONFERENCE_DATA", "CALL_SETUP_REQ", "CALL_SETUP_RESULT", "CALL_DETAIL",
            "DEVICE_STATE", "TEXT", "SHUTDOWN_REQUESTED", "ALL");

    private final SimCore core;
    private final ApiCommands api;
    private final Set<String> subscribed = new HashSet<>();
    private final List<EslHeader> filters = new ArrayList<>();
    private final Deque<EslCommand> pending = new ArrayDeque<>();
    private final List<EslFrame> heldEvents = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private boolean authed;
    private boolean eventsOn;
    private boolean json;
    private boolean blocked;

    SimSession(SimCore core) {
        this.core = core;
        this.api = new ApiCommands(core);
    }

    void drop() {
        ctx.close();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        core.sessions.add(this);
        ctx.writeAndFlush(Frames.authRequest());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        core.sessions.remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.WARNING, "closing ESL connection after error: " + cause);
        ctx.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, EslCommand command) {
        if (blocked) {
            pending.add(command);
            return;
        }
        handle(command);
        core.time.runDue();
    }

    private void handle(EslCommand command) {
        String name = command.name();
        if (name.equals("exit") || command.line().startsWith("...")) {
            ctx.write(Frames.commandReply("+OK bye"));
            disconnect();
            return;
        }
        if (!authed) {
            authenticate(command);
            return;
        }
        switch (name) {
            case "event" -> reply(subscribe(command.argument()));
            case "nixevent" -> reply(unsubscribe(command.argument()));
            case "noevents" -> {
                boolean wasOn = eventsOn;
                eventsOn = false;
                subscribed.clear();
                reply(wasOn ? "+OK no longer listening for events" : "-ERR not listening for events");
            }
            case "filter" -> reply(filter(command.argument()));
            case "api" -> api(command.argument());
            case "bgapi" -> bgapi(command);
            case "linger", "nolinger" -> reply("-ERR not controlling a session");
            default -> reply("-ERR command not found");
        }
    }

    private void authenticate(EslCommand command) {
        if (command.name().equals("auth")) {
            if (command.argument().equals(core.password)) {
                authed = true;
                reply("+OK accepted");
            } else {
                ctx.write(Frames.commandReply("-ERR invalid"));
                disconnect();
            }
        } else {
            reply("-ERR command not found");
        }
    }

    /** Same grammar as mod_event_socket: optional format first, then event names, CUSTOM takes subclasses. */
    private String subscribe(String argument) {
        int keys = 0;
        boolean custom = false;
        String[] words = argument.trim().isEmpty() ? new String[0] : argument.trim().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            if (i == 0 && word.equalsIgnoreCase("plain")) {
                json = false;
            } else if (i == 0 && word.equalsIgnoreCase("json")) {
                json = true;
            } else if (i == 0 && word.equalsIgnoreCase("xml")) {
                return "-ERR the simulator does not produce xml events";
            } else if (custom) {
                subscribed.add("CUSTOM " + word);
            } else if (EVENT_NAMES.contains(word.toUpperCase(Locale.ROOT))) {
                keys++;
                String event = word.toUpperCase(Locale.ROOT);
                subscribed.add(event);
                custom = event.equals("CUSTOM");
            }
        }
        if (keys == 0) {
            return "-ERR no keywords supplied";
        }
        eventsOn = true;
        return "+OK event listener enabled " + (json ? "json" : "plain");
    }

    private String unsubscribe(String argument) {
        int keys = 0;
        for (String word : argument.trim().split("\\s+")) {
            if (EVENT_NAMES.contains(word.toUpperCase(Locale.ROOT))) {
                keys++;
                if (word.equalsIgnoreCase("ALL")) {
                    subscribed.clear();
                } else {
                    subscribed.remove(word.toUpperCase(Locale.ROOT));
                }
            }
        }
        return keys == 0 ? "-ERR no keywords supplied" : "+OK events nixed";
    }

    private String filter(String argument) {
        String[] words = argument.trim().split(" ", 2);
        String header = words[0];
        String value = words.length > 1 ? words[1] : null;
        if (header.equalsIgnoreCase("delete") && value != null) {
            String[] target = value.split(" ", 2);
            if (target[0].equalsIgnoreCase("all")) {
                filters.clear();
            } else {
                filters.removeIf(f -> f.name().equalsIgnoreCase(target[0])
                        && (target.length < 2 || f.value().equals(target[1])));
            }
            return "+OK filter deleted. [" + target[0] + "][" + (target.length > 1 ? target[1] : "") + "]";
        }
        if (header.equalsIgnoreCase("add") && value != null) {
            String[] target = value.split(" ", 2);
            header = target[0];
            value = target.length > 1 ? target[1] : null;
        }
        if (header.isEmpty() || value == null) {
            return "-ERR invalid syntax";
        }
        filters.add(new EslHeader(header, value));
        return "+OK filter added. [" + header + "]=[" + value + "]";
    }

    /**
     * Blocking like the switch, whose listener thread runs the api inline: later commands wait, and
     * events (even those the command caused, e.g. CHANNEL_HANGUP after uuid_kill) queue up until
     * the api/response is written.
     */
    private void api(String argument) {
        String[] parts = argument.trim().split(" ", 2);
        blocked = true;
        api.execute(parts[0], parts.length > 1 ? parts[1] : "", output -> {
            ctx.write(Frames.apiResponse(output));
            heldEvents.forEach(ctx::write);
            heldEvents.clear();
            ctx.flush();
            blocked = false;
            ctx.executor().execute(this::drainPending);
        });
    }

    private void bgapi(EslCommand command) {
        String[] parts = command.argument().trim().split(" ", 2);
        String jobUuid = command.header(EslCommand.JOB_UUID).orElseGet(() -> UUID.randomUUID().toString());
        String arg = parts.length > 1 ? parts[1] : "";
        ctx.writeAndFlush(Frames.bgapiReply(jobUuid));
        api.execute(parts[0], arg, output ->
                core.fire(core.events.backgroundJob(jobUuid, parts[0], arg, output)));
    }

    private void drainPending() {
        while (!blocked && !pending.isEmpty()) {
            handle(pending.poll());
        }
        core.time.runDue();
    }

    void deliver(EslEvent event) {
        if (!authed || !eventsOn || !ctx.channel().isActive() || !subscribedTo(event) || !passesFilters(event)) {
            return;
        }
        EslFrame frame = json ? event.toJsonFrame() : event.toPlainFrame();
        if (blocked) {
            heldEvents.add(frame);
        } else {
            ctx.writeAndFlush(frame);
        }
    }

    private boolean subscribedTo(EslEvent event) {
        String name = event.eventName();
        if (subscribed.contains("ALL")) {
            return true;
        }
        if (name.equals("CUSTOM")) {
            return subscribed.contains("CUSTOM " + event.eventSubclass().orElse(""));
        }
        return subscribed.contains(name);
    }

    /**
     * mod_event_socket's filter rule: with any filter set, an event passes only if some filter
     * matches it; a value starting with '-' makes a matching filter exclude the event instead, and
     * a value in slashes is a regular expression.
     */
    private boolean passesFilters(EslEvent event) {
        if (filters.isEmpty()) {
            return true;
        }
        boolean send = false;
        for (EslHeader filter : filters) {
            Optional<String> actual = event.header(filter.name());
            if (actual.isEmpty()) {
                continue;
            }
            String expected = filter.value();
            boolean positive = true;
            int i = 0;
            while (i < expected.length() && "+- ".indexOf(expected.charAt(i)) >= 0) {
                if (expected.charAt(i) == '-') {
                    positive = false;
                } else if (expected.charAt(i) == '+') {
                    positive = true;
                }
                i++;
            }
            expected = expected.substring(i);
            if (send && positive) {
                continue;
            }
            if (matches(actual.get(), expected)) {
                if (!positive) {
                    return false;
                }
                send = true;
            }
        }
        return send;
    }

    private static boolean matches(String actual, String expected) {
        if (expected.length() > 1 && expected.startsWith("/")) {
            String regex = expected.endsWith("/") ? expected.substring(1, expected.length() - 1) : expected.substring(1);
            try {
                return Pattern.compile(regex).matcher(actual).find();
            } catch (PatternSyntaxException e) {
                return false;
            }
        }
        return actual.equalsIgnoreCase(expected);
    }

    private void reply(String text) {
        ctx.writeAndFlush(Frames.commandReply(text));
    }

    private void disconnect() {
        authed = false;
        ctx.writeAndFlush(Frames.disconnectNotice()).addListener(ChannelFutureListener.CLOSE);
    }
}
