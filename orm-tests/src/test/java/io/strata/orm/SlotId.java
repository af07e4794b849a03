package io.strata.orm;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import io.strata.router.KeyType;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import org.hibernate.annotations.IdGeneratorType;

/**
 * An entity id from the router's cluster-wide {@code IdGenerator} that carries the slot of the
 * entity's shard key, so that a table sharded by another column ({@code orders} by
 * {@code customer_id}, declared {@code slotId: id} in the YAML) is found, updated and deleted by
 * its id alone. The session factory needs the {@code jdbc:strata:} URL in the property
 * {@value SlotIdGenerator#URL_PROPERTY}.
 */
@IdGeneratorType(SlotIdGenerator.class)
@Retention(RUNTIME)
@Target({FIELD, METHOD})
public @interface SlotId {

    /** The entity property that holds the shard key. */
    String shardKey();

    /** The shard key's declared type. */
    KeyType type() default KeyType.LONG;
}
