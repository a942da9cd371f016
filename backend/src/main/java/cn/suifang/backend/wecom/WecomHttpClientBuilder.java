package cn.suifang.backend.wecom;

import java.io.Closeable;
import java.time.Duration;
import me.chanjar.weixin.common.util.http.apache.ApacheHttpClientBuilder;
import org.apache.http.client.HttpRequestRetryHandler;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.conn.ConnectionKeepAliveStrategy;
import org.apache.http.conn.ssl.SSLConnectionSocketFactory;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;

/**
 * The HTTP client WxJava uses to reach WeCom, replacing its {@code DefaultApacheHttpClientBuilder}, which is a
 * JVM-wide singleton that trusts every TLS certificate and lets a caller wait forever for a pooled connection.
 * This one verifies certificates against the JVM's trust store, bounds every wait, and keeps its own pool.
 * <p>
 * The connection manager is marked shared because WxJava closes the client after each token refresh
 * ({@code try (CloseableHttpClient c = getRequestHttpClient())}); the pool is shut down by {@link #close()} instead.
 */
final class WecomHttpClientBuilder implements ApacheHttpClientBuilder, Closeable {

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration poolWaitTimeout;
    private final int maxConnections;
    private final PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
    private CloseableHttpClient client;

    WecomHttpClientBuilder(Duration connectTimeout, Duration readTimeout, Duration poolWaitTimeout, int maxConnections) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.poolWaitTimeout = poolWaitTimeout;
        this.maxConnections = maxConnections;
    }

    @Override
    public synchronized CloseableHttpClient build() {
        if (client == null) {
            // everything goes to one host (qyapi.weixin.qq.com), so the per-route limit is the pool size
            pool.setMaxTotal(maxConnections);
            pool.setDefaultMaxPerRoute(maxConnections);
            pool.setValidateAfterInactivity(2_000);
            // useSystemProperties: an outbound proxy (hospital networks often have one) comes from the standard
            // -Dhttps.proxyHost/-Dhttps.proxyPort JVM options
            HttpClientBuilder builder = HttpClients.custom()
                    .useSystemProperties()
                    .setConnectionManager(pool)
                    .setConnectionManagerShared(true)
                    .evictIdleConnections(60, java.util.concurrent.TimeUnit.SECONDS)
                    // WeCom calls are not all idempotent (message/send): never resend a request on an I/O error
                    .disableAutomaticRetries()
                    .setUserAgent("suifang-backend")
                    .setDefaultRequestConfig(RequestConfig.custom()
                            .setConnectTimeout(Math.toIntExact(connectTimeout.toMillis()))
                            .setSocketTimeout(Math.toIntExact(readTimeout.toMillis()))
                            .setConnectionRequestTimeout(Math.toIntExact(poolWaitTimeout.toMillis()))
                            .build());
            client = builder.build();
        }
        return client;
    }

    @Override
    public void close() {
        pool.shutdown();
    }

    @Override
    public ApacheHttpClientBuilder httpProxyHost(String host) {
        return this; // proxies come from the JVM's system properties, see build()
    }

    @Override
    public ApacheHttpClientBuilder httpProxyPort(int port) {
        return this;
    }

    @Override
    public ApacheHttpClientBuilder httpProxyUsername(String username) {
        return this;
    }

    @Override
    public ApacheHttpClientBuilder httpProxyPassword(String password) {
        return this;
    }

    @Override
    public ApacheHttpClientBuilder httpRequestRetryHandler(HttpRequestRetryHandler handler) {
        return this; // see build(): no automatic resends
    }

    @Override
    public ApacheHttpClientBuilder keepAliveStrategy(ConnectionKeepAliveStrategy strategy) {
        return this;
    }

    @Override
    public ApacheHttpClientBuilder sslConnectionSocketFactory(SSLConnectionSocketFactory factory) {
        return this; // TLS comes from the pool's default factory: the JVM's trust store, hostname verified
    }
}
