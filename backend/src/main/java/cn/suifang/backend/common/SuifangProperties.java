package cn.suifang.backend.common;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything configurable about Suifang itself, under {@code suifang.} (env vars {@code SUIFANG_…}).
 * Unknown keys are rejected so a typo in production configuration fails at start-up.
 */
@Validated
@ConfigurationProperties(prefix = "suifang", ignoreUnknownFields = false)
public record SuifangProperties(
        @Valid @NotNull Security security,
        @Valid @NotNull Redis redis,
        @Valid @NotNull Demo demo,
        @Valid @NotNull Scheduler scheduler,
        @Valid @NotNull Esl esl,
        @Valid @NotNull Telephony telephony,
        @Valid @NotNull Wecom wecom,
        @Valid @NotNull Miniapp miniapp,
        @Valid @NotNull @DefaultValue Report report,
        @Valid @NotNull @DefaultValue Alerts alerts,
        @Valid @NotNull @DefaultValue Hl7 hl7,
        @Valid @NotNull @DefaultValue Risk risk,
        @Valid @NotNull @DefaultValue Fhir fhir,
        @DefaultValue("Asia/Shanghai") ZoneId zone) {

    /**
     * @param piiKey         base64 of the 32-byte AES-256-GCM key for phone / ID-card numbers
     * @param blindIndexKey  base64 of the HMAC-SHA256 key for the blind indexes (independent of piiKey)
     * @param tokenTtl       lifetime of a bearer token
     */
    public record Security(
            @NotBlank String piiKey,
            @NotBlank String blindIndexKey,
            @DefaultValue("12h") Duration tokenTtl) {
    }

    public record Redis(@DefaultValue("redis://127.0.0.1:6379") String address,
                        @DefaultValue("suifang") String keyPrefix) {
    }

    /**
     * @param enabled  demo login (staff id / patient id → token); off in production configuration
     * @param seed     seed a demo hospital when the database is empty
     * @param patients how many discharged demo patients to seed
     */
    public record Demo(@DefaultValue("false") boolean enabled,
                       @DefaultValue("false") boolean seed,
                       @DefaultValue("2000") @Min(0) int patients) {
    }

    /**
     * @param enabled      run the task scheduler in this instance (it still takes the cluster-wide lock)
     * @param interval     how often it runs
     * @param horizonDays  tasks are materialised this many days before they are due
     */
    public record Scheduler(@DefaultValue("true") boolean enabled,
                            @DefaultValue("5m") Duration interval,
                            @DefaultValue("14") @Min(0) int horizonDays) {
    }

    public record Esl(@DefaultValue("127.0.0.1") String host,
                      @DefaultValue("8021") int port,
                      @DefaultValue("ClueCon") String password) {
    }

    /**
     * @param callerId              the hospital's official number shown to patients (a department's own
     *                              {@code caller_id} wins when set)
     * @param gateway               FreeSWITCH gateway the patient leg goes out through
     * @param callingHoursStart     earliest local time (hospital zone) a patient may be called
     * @param callingHoursEnd       local time from which patients are no longer called
     * @param doctorCallsPerMinute  per-staff rate limit on call requests
     * @param patientCallsPerHour   per-patient rate limit on call requests (all callers together)
     * @param setupTimeout          a call not yet in conversation with no event for this long no longer
     *                              blocks a new call on its task (bridge lost it)
     * @param maxCallDuration       same for a call in conversation
     * @param consumeEvents         run the call-event consumer loop in this instance (tests poll by hand)
     * @param recordingsDir         root the recordings are read from; paths outside it are refused
     * @param embeddedBridge        run the telephony bridge inside this instance (small hospital, demo) instead
     *                              of as a separate process next to FreeSWITCH
     * @param simulator             demo only: start the FreeSWITCH simulator on {@code suifang.esl.host/port}
     *                              (real time, scenario by the patient number's last digit) for the embedded bridge
     * @param maxEventDeliveries    a call event whose application failed this many deliveries (first read plus
     *                              reclaims) is moved to the dead-letter stream instead of being retried forever
     * @param cdr                   the mod_json_cdr endpoint ({@code POST /api/telephony/cdr})
     * @param outboxDir             embedded bridge: where call events wait while Redis cannot take them
     */
    public record Telephony(@DefaultValue("02000000000") String callerId,
                            @DefaultValue("hospital") String gateway,
                            @DefaultValue("08:00") @NotNull LocalTime callingHoursStart,
                            @DefaultValue("20:30") @NotNull LocalTime callingHoursEnd,
                            @DefaultValue("10") @Min(1) int doctorCallsPerMinute,
                            @DefaultValue("3") @Min(1) int patientCallsPerHour,
                            @DefaultValue("10m") Duration setupTimeout,
                            @DefaultValue("4h") Duration maxCallDuration,
                            @DefaultValue("true") boolean consumeEvents,
                            @DefaultValue("/var/lib/suifang/recordings") String recordingsDir,
                            @DefaultValue("false") boolean embeddedBridge,
                            @DefaultValue("false") boolean simulator,
                            @DefaultValue("5") @Min(1) int maxEventDeliveries,
                            @Valid @NotNull @DefaultValue Cdr cdr,
                            @DefaultValue("/var/lib/suifang/bridge-outbox") @NotBlank String outboxDir) {
    }

    /**
     * FreeSWITCH mod_json_cdr posts each channel's CDR here with HTTP Basic credentials (its {@code cred}
     * setting). The endpoint is off (404) while either value is blank.
     *
     * @param username  Basic user name the switch sends
     * @param password  Basic password the switch sends
     */
    public record Cdr(@DefaultValue("") String username,
                      @DefaultValue("") String password) {

        public boolean enabled() {
            return !username.isBlank() && !password.isBlank();
        }
    }

    /**
     * The hospital's WeCom (企业微信) self-built app. Blank corp id or secret = WeCom off (demo mode signs in without it).
     *
     * @param baseUrl          WeCom API root; tests point it at a fake
     * @param corpId           企业ID
     * @param secret           the self-built app's Secret
     * @param agentId          the app's AgentId
     * @param token            callback Token (接收消息 → Token)
     * @param aesKey           callback EncodingAESKey (43 characters)
     * @param appUrl           public URL of the H5 workbench ({@code https://…/app/}): OAuth redirect and message links
     * @param connectTimeout   TCP connect timeout to WeCom
     * @param readTimeout      socket read timeout per request
     * @param poolWaitTimeout  how long a call waits for a free pooled connection (WxJava's default waits forever)
     * @param maxConnections   pooled connections to WeCom per backend instance
     * @param retrySleepMillis back-off before WxJava retries an errcode -1 ("system busy"), doubled per retry
     * @param maxRetryTimes    retries of errcode -1 before giving up
     */
    public record Wecom(@DefaultValue("https://qyapi.weixin.qq.com") String baseUrl,
                        @DefaultValue("") String corpId,
                        @DefaultValue("") String secret,
                        @DefaultValue("0") int agentId,
                        @DefaultValue("") String token,
                        @DefaultValue("") String aesKey,
                        @DefaultValue("") String appUrl,
                        @DefaultValue("5s") Duration connectTimeout,
                        @DefaultValue("10s") Duration readTimeout,
                        @DefaultValue("5s") Duration poolWaitTimeout,
                        @DefaultValue("20") @Min(1) int maxConnections,
                        @DefaultValue("1000") @Min(0) int retrySleepMillis,
                        @DefaultValue("3") @Min(0) int maxRetryTimes,
                        @Valid @DefaultValue Messages messages,
                        @Valid @DefaultValue Sync sync) {

        /** WeCom is configured: corp id, secret and agent id are all set. */
        public boolean enabled() {
            return !corpId.isBlank() && !secret.isBlank() && agentId > 0;
        }
    }

    /**
     * App messages to staff (docs/wecom.md §消息推送).
     *
     * @param perMinute        messages to one member within {@code minuteWindow} (WeCom: 30 a minute)
     * @param minuteWindow     the short window (tests shorten it)
     * @param perHour          messages to one member within {@code hourWindow} (WeCom: 1000 an hour)
     * @param hourWindow       the long window
     * @param dispatchInterval how often queued messages are sent
     * @param maxAttempts      tries for a message WeCom answers with a transient error before it is given up
     * @param digestCron       when the morning digest of due and overdue follow-ups goes out (hospital's zone)
     */
    public record Messages(@DefaultValue("30") @Min(1) int perMinute,
                           @DefaultValue("60s") Duration minuteWindow,
                           @DefaultValue("1000") @Min(1) int perHour,
                           @DefaultValue("1h") Duration hourWindow,
                           @DefaultValue("5s") Duration dispatchInterval,
                           @DefaultValue("8") @Min(1) int maxAttempts,
                           @DefaultValue("0 30 7 * * *") String digestCron) {
    }

    /**
     * The staff directory sync from WeCom (docs/wecom.md §通讯录同步).
     *
     * @param interval  how often the full sync runs (one instance at a time)
     * @param roleRules how a member's WeCom position / leader flag becomes Suifang roles, first match wins; empty =
     *                  the built-in rules (主任 → 科室主任+医师, 护 → 随访护士, 营养 → 营养师, 心理 → 心理咨询师,
     *                  康复 → 康复治疗师, 医 → 医师)
     */
    public record Sync(@DefaultValue("6h") Duration interval,
                       @DefaultValue List<@Valid RoleRule> roleRules) {
    }

    /**
     * @param positionContains any of these in the WeCom position (职务) matches; empty = any position
     * @param leader           when set, matches only members who are (true) or are not (false) leaders of their department
     * @param roles            the Suifang roles given
     */
    public record RoleRule(@DefaultValue List<String> positionContains, Boolean leader,
                           @NotNull java.util.Set<cn.suifang.backend.security.Role> roles) {
    }

    /**
     * @param baseUrl             WeChat's API host (a fake in tests)
     * @param appId               the mini-program's AppID; blank: the mini-program routes answer 503
     * @param secret              its AppSecret
     * @param bindAttempts        binding attempts per WeChat account per {@code bindWindow}
     * @param bindWindow          window of {@code bindAttempts}
     * @param pointsQuestionnaire points for a questionnaire the pathway assigned, answered in time
     * @param pointsReading       points for reporting readings, at most once a day
     * @param reminderTemplate    subscribe-message template id of the follow-up reminder (blank: no reminders);
     *                            fields thing1 随访内容, date2 日期, thing3 温馨提示
     * @param adviceTemplate      subscribe-message template id of automatic health advice (blank: none);
     *                            fields thing1 提醒事项, thing2 建议
     * @param reminderCron        when tomorrow's reminders are queued (hospital time)
     */
    public record Miniapp(@DefaultValue("https://api.weixin.qq.com") String baseUrl,
                          @DefaultValue("") String appId,
                          @DefaultValue("") String secret,
                          @DefaultValue("5") @Min(1) int bindAttempts,
                          @DefaultValue("1h") Duration bindWindow,
                          @DefaultValue("10") @Min(0) int pointsQuestionnaire,
                          @DefaultValue("2") @Min(0) int pointsReading,
                          @DefaultValue("") String reminderTemplate,
                          @DefaultValue("") String adviceTemplate,
                          @DefaultValue("0 0 18 * * *") String reminderCron) {
    }

    /**
     * @param fontPath TrueType font file or collection (.ttf/.ttc) with Chinese glyphs, embedded (subset) in the
     *                 printed health report; the first font of a collection is used
     */
    public record Report(@DefaultValue("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc") String fontPath) {
    }

    /**
     * The alert ladder: level 1 automatic advice to the patient, level 2 the nurse coordinator, level 3 the physician;
     * an alert not acknowledged within its level's time moves one step up (past level 3: the department head).
     *
     * @param level1Sla          time for the patient to confirm reading the advice before the coordinator is told
     * @param level2Sla          time for the coordinator to acknowledge
     * @param level3Sla          time for the physician to acknowledge ("within 48 h")
     * @param escalationInterval how often the escalation pass runs (one instance at a time)
     */
    public record Alerts(@DefaultValue("72h") Duration level1Sla,
                         @DefaultValue("24h") Duration level2Sla,
                         @DefaultValue("48h") Duration level3Sla,
                         @DefaultValue("1m") Duration escalationInterval) {

        public Duration sla(int level) {
            return switch (level) {
                case 1 -> level1Sla;
                case 2 -> level2Sla;
                default -> level3Sla;
            };
        }
    }

    /**
     * HL7 v2 over MLLP from the hospital's HIS/LIS (see docs/integration.md).
     *
     * @param enabled      listen for HL7 messages in this instance
     * @param port         MLLP port
     * @param charset      the character set of messages whose MSH-18 is empty (Chinese systems often send GBK/GB18030)
     * @param source       the discharge source name HL7 discharges are imported under (the same as the HIS's CSV
     *                     exports, so a visit sent both ways is one visit)
     * @param hospitalCode the hospital the messages belong to; blank when the database holds exactly one
     */
    /**
     * Where the hospital's patients live, for China-PAR (a patient-level value may come later): {@code region} NORTH or
     * SOUTH of the Yangtze, {@code residence} URBAN or RURAL; blank: unknown, and the model says it is missing.
     */
    public record Risk(@DefaultValue("") @jakarta.validation.constraints.Pattern(regexp = "|NORTH|SOUTH") String region,
                       @DefaultValue("") @jakarta.validation.constraints.Pattern(regexp = "|URBAN|RURAL") String residence) {
    }

    public record Hl7(@DefaultValue("false") boolean enabled,
                      @DefaultValue("2575") int port,
                      @DefaultValue("UTF-8") String charset,
                      @DefaultValue("HIS") String source,
                      @DefaultValue("") String hospitalCode) {
    }

    /**
     * FHIR R4 export ({@code GET /api/patients/{id}/fhir}) and import ({@code POST /api/fhir}); see docs/integration.md.
     *
     * @param baseUrl         where this deployment's FHIR identities live: the base of exported fullUrls and of our
     *                        identifier and code systems ({@code {baseUrl}/sid/{hospital}/mrn},
     *                        {@code {baseUrl}/CodeSystem/indicator} …). Set it to the hospital's own domain once, then keep
     *                        it: receivers match patients by these systems
     * @param source          the discharge source FHIR encounters are imported under (the same as the HIS's CSV and HL7
     *                        imports, so a visit sent both ways is one visit)
     * @param maxRequestBytes largest Bundle accepted
     */
    public record Fhir(@DefaultValue("https://suifang.example-hospital.cn/fhir") @NotBlank
                       @jakarta.validation.constraints.Pattern(regexp = "https?://\\S+[^/]", message = "应为不以 / 结尾的 http(s) 地址")
                       String baseUrl,
                       @DefaultValue("HIS") @NotBlank String source,
                       @DefaultValue("16777216") @Min(1024) int maxRequestBytes) {
    }
}
