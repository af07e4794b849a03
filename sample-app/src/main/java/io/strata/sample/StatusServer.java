package io.strata.sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Serves {@code /metrics} (Prometheus text format), {@code /status} (the summary so far, JSON) and
 * {@code /console} (the live console page, which polls {@code /status}) with the JDK's HTTP server,
 * on two daemon threads.
 */
final class StatusServer implements AutoCloseable {

    /** Where strata-router ships the console page. */
    static final String CONSOLE = "META-INF/strata/console/index.html";

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * Starts serving.
     *
     * @param bindAddress the interface ({@code 127.0.0.1} for the demo, {@code 0.0.0.0} in a container)
     * @param port the port, 0 for a free one
     * @param statusJson the status as JSON, with the latency histograms if its argument is true
     *     ({@code /status?histograms=true}; without them by default, so {@code /status} stays small)
     */
    StatusServer(String bindAddress, int port, PrometheusMeterRegistry registry, Function<Boolean, String> statusJson)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 16);
        server.createContext(
                "/metrics",
                exchange -> respond(exchange, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/status", exchange -> {
            String query = exchange.getRequestURI().getQuery();
            boolean histograms = query != null && query.contains("histograms=true");
            respond(exchange, "application/json", statusJson.apply(histograms));
        });
        byte[] console = consolePage();
        server.createContext("/console", exchange -> respond(exchange, "text/html; charset=utf-8", console));
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "shop-status-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    String url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : a.getAddress().getHostAddress();
        return "http://" + host + ":" + a.getPort();
    }

    /**
     * The live console, a self-contained page shipped in strata-router (so the Spring Boot starter
     * serves the same one); it polls {@code status} relative to its own URL, i.e. {@code /status}.
     */
    private static byte[] consolePage() throws IOException {
        try (InputStream in = StatusServer.class.getClassLoader().getResourceAsStream(CONSOLE)) {
            if (in == null) {
                throw new IOException(CONSOLE + " is not on the class path (it ships in strata-router)");
            }
            return in.readAllBytes();
        }
    }

    private static void respond(HttpExchange exchange, String contentType, String body) throws IOException {
        respond(exchange, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, String contentType, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
