package io.strata.replication;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Real Hazelcast members on loopback TCP, in this JVM or (through {@link #config}) in others. */
final class HazelcastTestMembers {

    private HazelcastTestMembers() {}

    /** Free loopback ports, one per member. */
    static List<Integer> freePorts(int n) {
        List<Integer> ports = new ArrayList<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                held.add(s);
                ports.add(s.getLocalPort());
            }
            for (ServerSocket s : held) {
                s.close();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ports;
    }

    static String newClusterName() {
        return "strata-lag-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Member {@code index} of a cluster that joins over TCP on the given loopback ports. */
    static Config config(String cluster, List<Integer> ports, int index) {
        Config c = new Config();
        c.setClusterName(cluster);
        c.setInstanceName(cluster + "-" + index + "-" + ProcessHandle.current().pid());
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.partition.count", "31");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.event.thread.count", "2");
        c.setProperty("hazelcast.operation.thread.count", "2");
        c.setProperty("hazelcast.operation.generic.thread.count", "1");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(ports.get(index)).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int p : ports) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + p);
        }
        return c;
    }

    /** Starts {@code n} members in this JVM and waits until they form one cluster. */
    static List<HazelcastInstance> start(int n) {
        String cluster = newClusterName();
        List<Integer> ports = freePorts(n);
        List<HazelcastInstance> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(Hazelcast.newHazelcastInstance(config(cluster, ports, i)));
        }
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(60))
                .until(() -> members.stream()
                        .allMatch(m -> m.getCluster().getMembers().size() == n));
        return members;
    }
}
