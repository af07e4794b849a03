package io.strata.cache.internal.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invalidates keys named in PostgreSQL notifications ({@code NOTIFY channel, '<encoded key>'}),
 * for writes that bypass the cache. Holds one connection with {@code LISTEN}; when it breaks, the
 * listener reconnects with backoff and reports a possible loss (notifications are not replayed).
 */
public final class PgNotifyListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PgNotifyListener.class);

    private final DataSource dataSource;
    private final String channel;
    private final Consumer<byte[]> onKey;
    private final Runnable onLoss;
    private final Thread thread;
    private volatile boolean running = true;

    public PgNotifyListener(
            DataSource dataSource, String channel, String cacheName, Consumer<byte[]> onKey, Runnable onLoss) {
        this.dataSource = dataSource;
        this.channel = channel;
        this.onKey = onKey;
        this.onLoss = onLoss;
        this.thread = new Thread(this::run, "strata-notify-" + cacheName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        long backoff = 100;
        boolean first = true;
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + channel); // channel checked to be an identifier by the builder
                }
                if (!first) {
                    onLoss.run();
                }
                first = false;
                backoff = 100;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] notes = pg.getNotifications(500);
                    if (notes == null) {
                        continue;
                    }
                    for (PGNotification n : notes) {
                        try {
                            onKey.accept(n.getParameter().getBytes(StandardCharsets.UTF_8));
                        } catch (RuntimeException e) {
                            LOG.warn(
                                    "notification on {} with an undecodable key '{}': {}",
                                    channel,
                                    n.getParameter(),
                                    e.toString());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                first = false;
                LOG.debug("LISTEN {} lost: {}", channel, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
