package io.strata.sample;

import java.util.List;

/**
 * Where one shard's primary and replicas listen and how to log in.
 *
 * @param name the shard's name (its replica set's name, its key in a consistency token)
 * @param primaryUrl the primary's JDBC URL
 * @param replicaUrls the streaming replicas' JDBC URLs
 * @param user the user name
 * @param password the password (empty for trust authentication)
 */
public record ShardEndpoints(String name, String primaryUrl, List<String> replicaUrls, String user, String password) {}
