package io.strata.orm;

import io.strata.testkit.PgTopology;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One 4 x (primary + 1 replica) topology for every test class of the module (kept in JUnit's root
 * store, closed when the run ends): the slow start happens once. Each test class has its own
 * tables and its own {@code jdbc:strata:} URL over it.
 */
public final class OrmTopology implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OrmTopology.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        topology(context);
    }

    private static PgTopology topology(ExtensionContext context) {
        return context.getRoot()
                .getStore(NS)
                .getOrComputeIfAbsent(
                        "topology",
                        k -> new Closing(PgTopology.builder()
                                .shards(4)
                                .replicasPerShard(1)
                                .setting("max_connections", "120")
                                .start()),
                        Closing.class)
                .topology;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PgTopology.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return topology(context);
    }

    @SuppressWarnings("deprecation")
    private record Closing(PgTopology topology) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            topology.close();
        }
    }
}
