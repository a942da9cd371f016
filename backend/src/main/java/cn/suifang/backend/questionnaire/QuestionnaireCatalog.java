package cn.suifang.backend.questionnaire;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The questionnaires patients can be given. The bundled ones (free validated scales — PHQ-9, GAD-7, PHQ-2, GAD-2 — and
 * forms written for our pathways) live in {@code classpath:questionnaires/} and are stored at start-up when their
 * version is new; a version, once stored, never changes, so a response can always be read against what was asked.
 * Licensed scales (MMAS-8, SAQ, KCCQ, EQ-5D …) are not bundled: a hospital holding a licence adds them itself.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class QuestionnaireCatalog implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(QuestionnaireCatalog.class);
    static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final DatabaseClient db;
    private final Map<Long, Questionnaire> byId = new ConcurrentHashMap<>();

    QuestionnaireCatalog(DatabaseClient db) {
        this.db = db;
    }

    /** A stored version with its row id. */
    public record Stored(long id, Questionnaire definition) {
    }

    @Override
    public void run(ApplicationArguments args) throws IOException {
        Resource[] files = new PathMatchingResourcePatternResolver().getResources("classpath:questionnaires/*.json");
        long added = Flux.fromArray(files).map(QuestionnaireCatalog::read).concatMap(this::store).reduce(0L, Long::sum)
                .block();
        if (added > 0) {
            log.info("{} bundled questionnaire versions stored", added);
        }
    }

    private static Questionnaire read(Resource file) {
        try (InputStream in = file.getInputStream()) {
            Questionnaire q = JSON.readValue(in, Questionnaire.class);
            q.validate();
            return q;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("bundled questionnaire " + file.getFilename() + " is invalid: " + e.getMessage(), e);
        }
    }

    private Mono<Long> store(Questionnaire q) {
        return db.sql("""
                        INSERT INTO questionnaire (code, version, title, definition, licence, status)
                        VALUES (:code, :version, :title, CAST(:definition AS JSONB), :licence,
                                CASE WHEN EXISTS (SELECT 1 FROM questionnaire WHERE code = :code AND status = 'ACTIVE')
                                     THEN 'RETIRED' ELSE 'ACTIVE' END)
                        ON CONFLICT (code, version) DO NOTHING""")
                .bind("code", q.code()).bind("version", q.version()).bind("title", q.title())
                .bind("definition", JSON.writeValueAsString(q)).bind("licence", q.licence())
                .fetch().rowsUpdated();
    }

    /** The active version of {@code code}. */
    public Mono<Stored> active(String code) {
        return db.sql("SELECT id FROM questionnaire WHERE code = :code AND status = 'ACTIVE'").bind("code", code)
                .map(r -> r.get("id", Long.class)).one()
                .flatMap(this::byId);
    }

    public Mono<Stored> byId(long id) {
        Questionnaire cached = byId.get(id);
        if (cached != null) {
            return Mono.just(new Stored(id, cached));
        }
        return db.sql("SELECT definition::text AS d FROM questionnaire WHERE id = :id").bind("id", id)
                .map(r -> JSON.readValue(r.get("d", String.class), Questionnaire.class)).one()
                .doOnNext(q -> byId.put(id, q))
                .map(q -> new Stored(id, q));
    }

    /** Every active questionnaire: code, title, version, licence. */
    public Flux<Stored> allActive() {
        return db.sql("SELECT id FROM questionnaire WHERE status = 'ACTIVE' ORDER BY code").map(r -> r.get("id", Long.class))
                .all().concatMap(this::byId);
    }
}
