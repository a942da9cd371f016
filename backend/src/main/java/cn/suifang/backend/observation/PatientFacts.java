package cn.suifang.backend.observation;

import java.util.List;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The one place that hears "this patient's clinical facts changed" (a note, readings, a questionnaire, a lab result, a
 * discharge) and tells what is derived from them — risk assessments, then tags, in {@code @Order} — inside the caller's
 * transaction, so the facts and what follows from them are stored together.
 */
@Component
public class PatientFacts {

    /** Something kept up to date from a patient's facts. */
    public interface Listener {
        Mono<Void> factsChanged(long patientId);
    }

    private final List<Listener> listeners;

    PatientFacts(List<Listener> listeners) {
        List<Listener> sorted = new java.util.ArrayList<>(listeners);
        AnnotationAwareOrderComparator.sort(sorted);
        this.listeners = List.copyOf(sorted);
    }

    public Mono<Void> changed(long patientId) {
        return Flux.fromIterable(listeners).concatMap(l -> l.factsChanged(patientId)).then();
    }
}
