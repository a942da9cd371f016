# Groups the JVM's CPU samples (output of `jfr print --events jdk.ExecutionSample --stack-depth 256`)
# by what the backend was doing. A sample goes to the first group, in the order below, that has a
# frame anywhere in its stack; reactive code loses its caller across asynchronous hops, so a query's
# result decoding counts as "R2DBC" even when it belongs to the audit append.
function classify(stack) {
    if (stack ~ /cn\.suifang\.backend\.crypto\.PiiCipher\.decrypt/) return "AES-GCM decrypt of phones (PiiCipher.decrypt)"
    if (stack ~ /cn\.suifang\.backend\.audit\.AuditService/) return "audit append (AuditService: SHA-256, SQL building)"
    if (stack ~ /cn\.suifang\.backend\.security\.TokenService|org\.redisson\./) return "bearer token lookup (TokenService, Redisson)"
    if (stack ~ /(tools|com\.fasterxml)\.jackson\./) return "JSON encoding (Jackson)"
    if (stack ~ /io\.r2dbc\.|org\.springframework\.r2dbc\./) return "R2DBC driver, pool, DatabaseClient"
    if (stack ~ /org\.springframework\.transaction\./) return "reactive transaction management"
    if (stack ~ /cn\.suifang\.backend\./) return "other Suifang code (mapping, masking, cursor)"
    if (stack ~ /org\.springframework\.security\./) return "Spring Security filter chain"
    if (stack ~ /org\.springframework\.(web|http)\./) return "Spring WebFlux dispatch"
    if (stack ~ /reactor\.netty\.|io\.netty\./) return "Netty / Reactor Netty (HTTP and socket I/O)"
    if (stack ~ /reactor\.core\./) return "Reactor operators"
    return "other (JDK, logging, idle loops)"
}
