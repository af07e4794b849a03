package io.strata.orm;

import io.strata.router.Driver;
import io.strata.router.IdGenerator;
import io.strata.router.KeyType;
import java.lang.reflect.Member;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.EnumSet;
import org.hibernate.HibernateException;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.generator.AnnotationBasedGenerator;
import org.hibernate.generator.BeforeExecutionGenerator;
import org.hibernate.generator.EventType;
import org.hibernate.generator.EventTypeSets;
import org.hibernate.generator.GeneratorCreationContext;

/**
 * Hibernate's side of {@link SlotId}: reads the entity's shard key and asks the router's
 * {@code IdGenerator} (of the data source behind the configured {@code jdbc:strata:} URL) for an id
 * carrying that key's slot. Runs in Java before the INSERT, so JDBC batching is unaffected.
 */
public final class SlotIdGenerator implements BeforeExecutionGenerator, AnnotationBasedGenerator<SlotId> {

    /** The session-factory property holding the {@code jdbc:strata:} URL. */
    public static final String URL_PROPERTY = "strata.url";

    private static final long serialVersionUID = 1L;

    private String shardKey = "";
    private KeyType type = KeyType.LONG;
    private transient volatile IdGenerator ids;

    @Override
    public void initialize(SlotId config, Member member, GeneratorCreationContext context) {
        shardKey = config.shardKey();
        type = config.type();
    }

    @Override
    public Object generate(
            SharedSessionContractImplementor session, Object owner, Object currentValue, EventType eventType) {
        Object key = session.getEntityPersister(null, owner).getPropertyValue(owner, shardKey);
        if (key == null) {
            throw new HibernateException("@SlotId: the shard key property '" + shardKey + "' of " + owner + " is null");
        }
        return ids(session).next(key, type);
    }

    private IdGenerator ids(SharedSessionContractImplementor session) {
        IdGenerator g = ids;
        if (g == null) {
            Object url = session.getFactory().getProperties().get(URL_PROPERTY);
            if (!(url instanceof String s) || !s.startsWith(Driver.PREFIX)) {
                throw new HibernateException(
                        "@SlotId needs the jdbc:strata: URL in the property " + URL_PROPERTY + " but it is " + url);
            }
            try {
                g = ((Driver) DriverManager.getDriver(s)).dataSource(s).idGenerator();
            } catch (SQLException e) {
                throw new HibernateException("@SlotId: no IdGenerator for " + s + ": " + e.getMessage(), e);
            }
            ids = g;
        }
        return g;
    }

    @Override
    public EnumSet<EventType> getEventTypes() {
        return EventTypeSets.INSERT_ONLY;
    }
}
