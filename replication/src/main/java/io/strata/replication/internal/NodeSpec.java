package io.strata.replication.internal;

import javax.sql.DataSource;

/** How to reach one node, as configured: a JDBC URL or an unpooled DataSource. */
public record NodeSpec(String name, boolean primary, String jdbcUrl, DataSource dataSource, double weight) {

    public NodeSpec(String name, boolean primary, String jdbcUrl, DataSource dataSource) {
        this(name, primary, jdbcUrl, dataSource, 1.0);
    }

    public NodeSpec withWeight(double w) {
        return new NodeSpec(name, primary, jdbcUrl, dataSource, w);
    }

    /** The URL, or a description of the DataSource, for messages. */
    public String target() {
        return jdbcUrl != null ? jdbcUrl : dataSource.toString();
    }
}
