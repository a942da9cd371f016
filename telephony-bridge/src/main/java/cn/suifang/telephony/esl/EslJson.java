package cn.suifang.telephony.esl;

import java.io.StringWriter;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for ESL ({@code text/event-json} bodies, {@code show channels as json}) on Jackson.
 * Event objects are read with the streaming API because FreeSWITCH emits some header names twice
 * (e.g. Hangup-Cause) and we keep every member in wire order; a Map would drop one.
 */
public final class EslJson {

    // integers as Long whatever their size, like FreeSWITCH's own counters
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS).build();
    // a member value inside an event object: the rest of the object follows it
    private static final ObjectReader NESTED = MAPPER.readerFor(Object.class)
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private EslJson() {
    }

    /** One JSON value as maps, lists, strings, numbers, booleans and null. */
    public static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The members of a top-level object in wire order, repeated names kept; values are strings or lists. */
    static List<Map.Entry<String, Object>> parseObjectMembers(String text) {
        try (JsonParser p = MAPPER.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("invalid JSON: not an object");
            }
            List<Map.Entry<String, Object>> members = new ArrayList<>();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                members.add(new SimpleImmutableEntry<>(name, switch (value) {
                    case VALUE_NULL -> null;
                    case START_ARRAY, START_OBJECT -> NESTED.readValue(p);
                    default -> p.getText();
                }));
            }
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("invalid JSON: trailing content");
            }
            return members;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Serialises maps, lists of entries (repeated names allowed), lists, scalars and null, unformatted. */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            write(g, value);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object value) {
        if (value instanceof Map<?, ?> map) {
            writeMembers(g, map.entrySet());
        } else if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map.Entry<?, ?>) {
            writeMembers(g, list);
        } else if (value instanceof Iterable<?> items) {
            g.writeStartArray();
            items.forEach(item -> write(g, item));
            g.writeEndArray();
        } else {
            g.writePOJO(value);
        }
    }

    private static void writeMembers(JsonGenerator g, Iterable<?> entries) {
        g.writeStartObject();
        for (Object o : entries) {
            Map.Entry<?, ?> e = (Map.Entry<?, ?>) o;
            g.writeName(String.valueOf(e.getKey()));
            write(g, e.getValue());
        }
        g.writeEndObject();
    }
}
