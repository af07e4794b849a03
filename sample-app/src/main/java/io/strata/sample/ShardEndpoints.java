package io.strata.sample;

import java.util.List;

/** Where one shard's primary and replicas listen (JDBC URLs) and how to log in. */
public record ShardEndpoints(String name, String primaryUrl, List<String> replicaUrls, String user, String password) {
}
