package io.strata.boot;

import io.strata.cache.TieredCache;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

// Caches configured under strata.cache.caches (registered later, so @ConditionalOnBean cannot see
// them yet), or TieredCache beans the application defines.
final class OnStrataCaches extends AnyNestedCondition {

    OnStrataCaches() {
        super(ConfigurationPhase.REGISTER_BEAN);
    }

    @Conditional(Configured.class)
    static final class ByProperties {}

    @ConditionalOnBean(TieredCache.class)
    static final class ByBeans {}

    static final class Configured extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            boolean any = !Binder.get(context.getEnvironment())
                    .bind("strata.cache.caches", Bindable.mapOf(String.class, Object.class))
                    .orElse(Map.of())
                    .isEmpty();
            return any
                    ? ConditionOutcome.match("strata.cache.caches is configured")
                    : ConditionOutcome.noMatch("strata.cache.caches is not configured");
        }
    }
}
