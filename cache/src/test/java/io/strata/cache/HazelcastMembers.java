package io.strata.cache;

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
import java.util.concurrent.CompletableFuture;

/** N real Hazelcast members in this JVM, loopback-only TCP-IP join, their own cluster name. */
public final class HazelcastMembers implements AutoCloseable {

    private final List<HazelcastInstance> members = new ArrayList<>();
    private final List<com.hazelcast.core.HazelcastInstance> clients = new ArrayList<>();
    private String clusterName;
    private int[] ports;

    private HazelcastMembers() {}

    public static HazelcastMembers start(int n) {
        HazelcastMembers m = new HazelcastMembers();
        String cluster = "strata-test-" + UUID.randomUUID();
        int[] ports = freePorts(n);
        m.clusterName = cluster;
        m.ports = ports;
        List<CompletableFuture<HazelcastInstance>> starting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Config c = config(cluster, ports, i);
            if (i == 0) {
                m.members.add(Hazelcast.newHazelcastInstance(c)); // the first one becomes master quickly
            } else {
                starting.add(CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(c)));
            }
        }
        starting.forEach(f -> m.members.add(f.join()));
        return m;
    }

    private static int[] freePorts(int n) {
        int[] ports = new int[n];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            for (ServerSocket s : sockets) {
                s.close();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ports;
    }

    private static Config config(String cluster, int[] ports, int index) {
        Config c = new Config();
        c.setClusterName(cluster);
        c.setInstanceName(cluster + "-" + index);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.partition.count", "31");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(ports[index]).setPortAutoIncrement(false);
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

    public HazelcastInstance member(int i) {
        return members.get(i);
    }

    /** A client instance connected to these members (closed with them). */
    public HazelcastInstance client() {
        com.hazelcast.client.config.ClientConfig c = new com.hazelcast.client.config.ClientConfig();
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.logging.type", "slf4j");
        for (int p : ports) {
            c.getNetworkConfig().addAddress("127.0.0.1:" + p);
        }
        HazelcastInstance client = com.hazelcast.client.HazelcastClient.newHazelcastClient(c);
        clients.add(client);
        return client;
    }

    public List<HazelcastInstance> all() {
        return members;
    }

    @Override
    public void close() {
        clients.forEach(c -> {
            try {
                c.shutdown();
            } catch (RuntimeException e) {
                // already gone
            }
        });
        members.parallelStream().forEach(h -> {
            try {
                h.getLifecycleService().terminate();
            } catch (RuntimeException e) {
                // already gone
            }
        });
    }
}
