package io.strata.sample;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.List;

/**
 * Starts this JVM's Hazelcast member: TCP-IP join to a fixed list of addresses, multicast and
 * auto-detection off, phone-home off, bound to the given interface only. The members carry the
 * caches' cluster tier, their invalidations, load leases, the write-behind queue (one synchronous
 * backup, so an acknowledged write survives the loss of a member) and order ids.
 */
final class HazelcastMember {

    private HazelcastMember() {}

    /**
     * Starts a member.
     *
     * @param clusterName members with the same name form one cluster
     * @param bindAddress the interface to listen on ({@code 127.0.0.1} for the demo)
     * @param port this member's port
     * @param members every member's {@code host:port}, this one included
     */
    static HazelcastInstance start(String clusterName, String bindAddress, int port, List<String> members) {
        Config c = new Config();
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.partition.count", "71");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(port).setPortAutoIncrement(false);
        if (!"0.0.0.0".equals(bindAddress)) {
            c.setProperty("hazelcast.socket.bind.any", "false");
            net.getInterfaces().setEnabled(true).addInterface(bindAddress);
        }
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(members));
        // The cluster tier holds the hot set: an entry idle for 3 s leaves it; Redis keeps it until its TTL.
        c.getMapConfig("strata-cache.products").setMaxIdleSeconds(3);
        c.getMapConfig("strata-cache.profiles").setMaxIdleSeconds(3);
        // The write-behind queue: acknowledged once the backup has it.
        c.getMapConfig("strata-wb.*").setBackupCount(1).setAsyncBackupCount(0);
        return Hazelcast.newHazelcastInstance(c);
    }
}
