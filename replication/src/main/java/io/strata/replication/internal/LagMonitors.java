package io.strata.replication.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The JVM's node monitors, reference counted: every replica set that names a server with the
 * same {@link MonitorKey} shares one {@link NodeMonitor}, which closes with its last user.
 *
 * <p>This is the one piece of JVM-wide state in the replication module, and deliberately so:
 * what it saves is per JVM (a thread, a connection and a poll per server, instead of one per data
 * source: a router over 16 shards built 4 times in one JVM polled every server 4 times), and
 * sharing must work across data sources that know nothing of each other (the router's YAML
 * loader, Spring contexts, tests). Nothing in it is configuration: two data sources that
 * differ in any setting the monitor depends on get separate monitors.
 */
final class LagMonitors {

    private static final Map<MonitorKey, NodeMonitor> MONITORS = new HashMap<>();
    private static int created;

    private LagMonitors() {}

    /** The monitor for the key, started if it is new; call {@link #release} once per acquire. */
    static NodeMonitor acquire(MonitorKey key) {
        synchronized (MONITORS) {
            NodeMonitor m = MONITORS.get(key);
            if (m == null) {
                m = new NodeMonitor(key, created++);
                MONITORS.put(key, m);
                m.start();
            }
            m.users++;
            return m;
        }
    }

    /** One user fewer; the last one closes the monitor (outside the registry's lock). */
    static void release(NodeMonitor m) {
        synchronized (MONITORS) {
            m.users--;
            if (m.users > 0) {
                return;
            }
            MONITORS.remove(m.key, m);
        }
        m.close();
    }

    /** How many monitors run in this JVM (for tests and the benchmark). */
    static int running() {
        synchronized (MONITORS) {
            return MONITORS.size();
        }
    }
}
