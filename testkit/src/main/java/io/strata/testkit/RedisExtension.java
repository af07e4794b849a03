package io.strata.testkit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/** The JUnit 5 extension behind {@link WithRedis}. */
public final class RedisExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        if (context.getStore(NAMESPACE).get(RedisNode.class) != null) {
            return;
        }
        context.getStore(NAMESPACE).put(RedisNode.class, new Closing(RedisNode.start()));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisNode.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Closing closing = context.getStore(NAMESPACE).get(RedisNode.class, Closing.class);
        if (closing == null) {
            throw new ParameterResolutionException("no RedisNode: annotate the test class with @WithRedis");
        }
        return closing.node;
    }

    @SuppressWarnings("deprecation")
    private record Closing(RedisNode node) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            node.close();
        }
    }
}
