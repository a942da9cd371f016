# Groups the backend JVM's CPU samples during the telephony profile run (output of
# `jfr print --events jdk.ExecutionSample --stack-depth 256`) by stage. A sample goes to the first group, in the
# order below, that has a frame anywhere in its stack. Asynchronous hops lose the caller, so Redisson and Netty
# work is split by what is on the stack, not by who asked for it.
function classify(stack) {
    if (stack ~ /cn\.suifang\.telephony\.esl\.(EslEvent|PercentCoding)/) return "bridge: ESL event parsing (EslEvent)"
    if (stack ~ /cn\.suifang\.telephony\.esl\./) return "bridge: ESL framing and commands (esl)"
    if (stack ~ /cn\.suifang\.telephony\.bridge\.(CallDriver|CallState|Outcomes)/) return "bridge: call mapping (CallDriver)"
    if (stack ~ /cn\.suifang\.telephony\.bridge\.RedisCallStore/) return "bridge: call state in Redis (RedisCallStore)"
    if (stack ~ /cn\.suifang\.telephony\.bridge\./) return "bridge: streams and client (StreamBridge, EslClient)"
    if (stack ~ /cn\.suifang\.backend\.call\.CallEventApplier/) return "consumer: CallEventApplier"
    if (stack ~ /cn\.suifang\.backend\.call\.CallEventConsumer/) return "consumer: CallEventConsumer"
    if (stack ~ /io\.r2dbc\.|org\.springframework\.r2dbc\./) return "consumer: R2DBC driver, pool, DatabaseClient"
    if (stack ~ /org\.springframework\.transaction\./) return "consumer: reactive transaction management"
    if (stack ~ /org\.redisson\./) return "Redisson (commands, events, call state; both sides)"
    if (stack ~ /io\.netty\./) return "Netty (socket I/O: ESL, Redis, PostgreSQL)"
    if (stack ~ /reactor\.core\./) return "Reactor operators"
    return "other (JDK, logging, idle loops)"
}
