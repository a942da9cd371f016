package cn.suifang.backend.call;

import cn.suifang.backend.audit.AuditService;
import cn.suifang.backend.common.ApiException;
import cn.suifang.backend.common.SuifangProperties;
import cn.suifang.backend.security.Principal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Playback of call recordings for staff who may see the patient. The file is served as a {@link Resource},
 * so WebFlux answers {@code Range} requests with 206 and the right {@code Content-Range}. A recording path is
 * only ever resolved inside the configured recordings root (after following links); anything else is treated
 * as "no recording".
 */
@Component
class CallRecordings {

    private static final Logger log = LoggerFactory.getLogger(CallRecordings.class);
    static final MediaType AUDIO_WAV = MediaType.parseMediaType("audio/wav");

    private final CallService calls;
    private final AuditService audit;
    private final SuifangProperties properties;

    CallRecordings(CallService calls, AuditService audit, SuifangProperties properties) {
        this.calls = calls;
        this.audit = audit;
        this.properties = properties;
    }

    Mono<ResponseEntity<Resource>> play(Principal principal, UUID callId) {
        principal.requireStaff();
        return calls.visibleCall(principal, callId)
                .flatMap(call -> {
                    if (call.recordingPath() == null) {
                        return Mono.error(ApiException.notFound(2012, "该通话没有录音（未接通、患者未同意录音或录音尚未生成）"));
                    }
                    return Mono.fromCallable(() -> resolve(call.id(), call.recordingPath()))
                            .subscribeOn(Schedulers.boundedElastic())
                            .flatMap(path -> audit.record(principal, "RECORDING_PLAY", "call_record", call.id(),
                                            List.of(call.patientId()), null)
                                    .thenReturn(ResponseEntity.ok()
                                            .header(HttpHeaders.ACCEPT_RANGES, "bytes")
                                            .header(HttpHeaders.CACHE_CONTROL, "private, no-store")
                                            .contentType(AUDIO_WAV)
                                            .<Resource>body(new FileSystemResource(path))));
                });
    }

    /** Blocking (file system): call on a bounded-elastic thread. */
    private Path resolve(UUID callId, String recordingPath) {
        try {
            Path root = Path.of(properties.telephony().recordingsDir()).toAbsolutePath().normalize();
            Path candidate = root.resolve(recordingPath).normalize();
            if (candidate.startsWith(root) && Files.isRegularFile(candidate)) {
                Path real = candidate.toRealPath();
                if (real.startsWith(root.toRealPath())) {
                    return real;
                }
            }
            log.warn("recording of call {} is missing or outside the recordings root", callId);
        } catch (IOException | RuntimeException e) {
            log.warn("recording of call {} cannot be resolved ({})", callId, e.getClass().getSimpleName());
        }
        throw ApiException.notFound(2013, "录音文件暂不可用，请稍后再试；如持续出现请联系信息科");
    }
}
