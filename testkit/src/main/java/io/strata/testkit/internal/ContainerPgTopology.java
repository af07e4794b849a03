package io.strata.testkit.internal;

import io.strata.testkit.PgServer;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import io.strata.testkit.StopMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A {@link PgTopology} of Docker containers of the official {@code postgres} image, for users who
 * have Docker. Replicas are bootstrapped with {@code pg_basebackup -R} from their primary and then
 * run as hot standbys. Fault injection maps onto Docker: kill and stop by signal, freeze and thaw
 * by pausing the container; a stopped container cannot be started again (Docker gives it a new
 * port), so {@link PgServer#start()} after {@code stop} is not supported here.
 */
public final class ContainerPgTopology implements PgTopology {

    private final Network network;
    private final List<PgShard> shards;
    private final List<ContainerServer> servers;

    private ContainerPgTopology(Network network, List<PgShard> shards, List<ContainerServer> servers) {
        this.network = network;
        this.shards = shards;
        this.servers = servers;
    }

    /** True when Testcontainers finds a usable Docker engine. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | NoClassDefFoundError e) {
            return false;
        }
    }

    /** Starts the containers the spec describes. */
    public static ContainerPgTopology start(TopologySpec spec) {
        if (!dockerAvailable()) {
            throw new IllegalStateException(
                    "PgTopology.containers() needs a running Docker engine, and Testcontainers found none");
        }
        Network network = Network.newNetwork();
        List<PgShard> shards = new ArrayList<>();
        List<ContainerServer> all = new ArrayList<>();
        try {
            for (int s = 0; s < spec.shards(); s++) {
                String primaryAlias = "shard" + s + "-primary";
                GenericContainer<?> primary = new GenericContainer<>(DockerImageName.parse(spec.image()))
                        .withNetwork(network)
                        .withNetworkAliases(primaryAlias)
                        .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
                        .withCopyToContainer(
                                org.testcontainers.images.builder.Transferable.of(
                                        "#!/bin/sh\necho 'host replication all all trust' >> \"$PGDATA/pg_hba.conf\"\n"),
                                "/docker-entrypoint-initdb.d/10-replication.sh")
                        .withCommand(command(spec, Map.of()).toArray(String[]::new))
                        .withExposedPorts(5432)
                        .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2))
                        .withStartupTimeout(spec.startTimeout());
                primary.start();
                ContainerServer primaryServer = new ContainerServer(primaryAlias, primary);
                all.add(primaryServer);
                List<PgServer> replicas = new ArrayList<>();
                for (int r = 0; r < spec.replicasPerShard(); r++) {
                    String name = "shard" + s + "-replica" + r;
                    String bootstrap =
                            "set -e; mkdir -p \"$PGDATA\"; chown postgres \"$PGDATA\"; chmod 700 \"$PGDATA\"; "
                                    + "until gosu postgres pg_basebackup -h " + primaryAlias
                                    + " -U postgres -D \"$PGDATA\" -R -X stream; "
                                    + "do sleep 1; done; exec gosu postgres " + shellQuoted(command(spec, Map.of()));
                    GenericContainer<?> replica = new GenericContainer<>(DockerImageName.parse(spec.image()))
                            .withNetwork(network)
                            .withNetworkAliases(name)
                            .withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("bash", "-c", bootstrap))
                            .withExposedPorts(5432)
                            .waitingFor(Wait.forLogMessage(
                                    ".*database system is ready to accept read.only connections.*", 1))
                            .withStartupTimeout(spec.startTimeout());
                    replica.start();
                    ContainerServer server = new ContainerServer(name, replica);
                    replicas.add(server);
                    all.add(server);
                }
                int shardIndex = s;
                shards.add(new PgShard() {
                    @Override
                    public int index() {
                        return shardIndex;
                    }

                    @Override
                    public PgServer primary() {
                        return primaryServer;
                    }

                    @Override
                    public List<PgServer> replicas() {
                        return List.copyOf(replicas);
                    }
                });
            }
            return new ContainerPgTopology(network, List.copyOf(shards), List.copyOf(all));
        } catch (RuntimeException e) {
            all.forEach(c -> c.container.stop());
            network.close();
            throw e;
        }
    }

    private static List<String> command(TopologySpec spec, Map<String, String> extra) {
        Map<String, String> settings = LocalPgTopology.defaultSettings();
        settings.remove("unix_socket_directories");
        settings.putAll(spec.settings());
        settings.putAll(extra);
        List<String> cmd = new ArrayList<>();
        cmd.add("postgres");
        settings.forEach((k, v) -> {
            cmd.add("-c");
            cmd.add(k + "=" + v);
        });
        return cmd;
    }

    private static String shellQuoted(List<String> words) {
        StringBuilder out = new StringBuilder();
        for (String w : words) {
            out.append(out.length() == 0 ? "" : " ")
                    .append('\'')
                    .append(w.replace("'", "'\\''"))
                    .append('\'');
        }
        return out.toString();
    }

    @Override
    public List<PgShard> shards() {
        return shards;
    }

    @Override
    public void close() {
        servers.forEach(s -> s.container.stop());
        network.close();
    }

    /** One container. */
    private static final class ContainerServer extends JdbcPgServer {
        private final GenericContainer<?> container;

        ContainerServer(String name, GenericContainer<?> container) {
            super(name);
            this.container = container;
        }

        @Override
        public String host() {
            return container.getHost();
        }

        @Override
        public int port() {
            return container.getMappedPort(5432);
        }

        @Override
        public long pid() {
            return -1;
        }

        @Override
        public boolean isRunning() {
            return container.isRunning();
        }

        @Override
        public void stop(StopMode mode) {
            String signal = switch (mode) {
                case SMART -> "SIGTERM";
                case FAST -> "SIGINT";
                case IMMEDIATE -> "SIGQUIT";
            };
            container
                    .getDockerClient()
                    .killContainerCmd(container.getContainerId())
                    .withSignal(signal)
                    .exec();
            await("stopped", () -> !container.isRunning());
        }

        @Override
        public void kill() {
            container
                    .getDockerClient()
                    .killContainerCmd(container.getContainerId())
                    .withSignal("SIGKILL")
                    .exec();
            await("killed", () -> !container.isRunning());
        }

        @Override
        public void freeze() {
            container
                    .getDockerClient()
                    .pauseContainerCmd(container.getContainerId())
                    .exec();
        }

        @Override
        public void thaw() {
            container
                    .getDockerClient()
                    .unpauseContainerCmd(container.getContainerId())
                    .exec();
        }

        @Override
        public void start() {
            throw new UnsupportedOperationException("a stopped container gets a new port; restart is not supported "
                    + "by the Testcontainers backend (use the local-process backend)");
        }

        @Override
        public Path dataDirectory() {
            throw new UnsupportedOperationException("the data directory lives inside the container");
        }

        @Override
        public Path logFile() {
            throw new UnsupportedOperationException("use the container's logs");
        }
    }

    @Override
    public String toString() {
        return "ContainerPgTopology" + shards;
    }
}
