package io.strata.testkit;

import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link WithPgTopology}: one topology per annotated class, closed by
 * JUnit when the class's extension context closes.
 */
public final class PgTopologyExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PgTopologyExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        Optional<WithPgTopology> own = AnnotationSupport.findAnnotation(testClass, WithPgTopology.class);
        if (own.isEmpty() || context.getStore(NAMESPACE).get(PgTopology.class) != null) {
            return; // a @Nested class uses its enclosing class's topology
        }
        WithPgTopology spec = own.get();
        PgTopologyBuilder builder = PgTopology.builder()
                .shards(spec.shards())
                .replicasPerShard(spec.replicasPerShard())
                .settings(spec.settings());
        if (spec.logicalReplication()) {
            builder.logicalReplication();
        }
        PgTopology topology = builder.start();
        context.getStore(NAMESPACE).put(PgTopology.class, new Closing(topology));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PgTopology.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Closing closing = context.getStore(NAMESPACE).get(PgTopology.class, Closing.class);
        if (closing == null) {
            throw new ParameterResolutionException("no PgTopology: annotate the test class with @WithPgTopology");
        }
        return closing.topology;
    }

    /** Closed by JUnit when the owning class context ends. */
    @SuppressWarnings("deprecation")
    private record Closing(PgTopology topology) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            topology.close();
        }
    }
}
