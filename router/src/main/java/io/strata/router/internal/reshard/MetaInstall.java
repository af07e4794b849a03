package io.strata.router.internal.reshard;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Makes sure a shard has core's {@code strata_meta} objects before a move relies on them (a new
 * shard may never have been reached by a member), through {@link MetaStore}'s idempotent install.
 */
final class MetaInstall {

    private MetaInstall() {}

    static DataSource dataSource(ShardEndpoint e) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(e.jdbcUrl());
        if (e.user() != null) {
            ds.setUser(e.user());
        }
        if (e.password() != null) {
            ds.setPassword(e.password());
        }
        ds.setApplicationName("strata-mover");
        return ds;
    }

    static void install(ShardEndpoint e) throws SQLException {
        MetaStore.installShardSchema(dataSource(e));
    }

    static void installMetadata(ShardEndpoint e) throws SQLException {
        new MetaStore(dataSource(e)).installMetadataSchema();
    }
}
