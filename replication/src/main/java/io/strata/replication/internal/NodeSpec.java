package io.strata.replication.internal;

import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** How to reach one node, as configured: a JDBC URL or an unpooled DataSource. */
public record NodeSpec(
        String name,
        boolean primary,
        @Nullable String jdbcUrl,
        @Nullable DataSource dataSource,
        double weight) {

    public NodeSpec(String name, boolean primary, @Nullable String jdbcUrl, @Nullable DataSource dataSource) {
        this(name, primary, jdbcUrl, dataSource, 1.0);
    }

    public NodeSpec withWeight(double w) {
        return new NodeSpec(name, primary, jdbcUrl, dataSource, w);
    }

    /** The URL, or a description of the DataSource, for messages. */
    public String target() {
        return jdbcUrl != null
                ? jdbcUrl
                : Objects.requireNonNull(dataSource, "a node has a JDBC URL or a DataSource")
                        .toString();
    }
}
