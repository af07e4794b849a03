package io.strata.router;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The Micrometer observations the router records when it is given an
 * {@link io.micrometer.observation.ObservationRegistry} ({@link
 * ShardingDataSource.Builder#observationRegistry}): one {@link #STATEMENT} per logical statement,
 * and under it one {@link #SHARD} per physical call on a shard. Parameter values are never
 * recorded; the SQL text is a high-cardinality key only.
 */
public enum RouterObservation implements ObservationDocumentation {

    /** One logical statement (or batch) run through the router, from routing to its shards' results. */
    STATEMENT {
        @Override
        public String getName() {
            return "strata.router.statement";
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return new KeyName[] {Keys.KIND, Keys.ROUTE, Keys.OUTCOME};
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return new KeyName[] {Keys.SQL};
        }
    },

    /** One physical call of a statement on one shard; its parent is the statement's observation. */
    SHARD {
        @Override
        public String getName() {
            return "strata.router.shard";
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return new KeyName[] {Keys.KIND, Keys.SHARD, Keys.NODE, Keys.OUTCOME};
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return new KeyName[] {Keys.SQL};
        }
    };

    /** The keys of the router's observations. */
    public enum Keys implements KeyName {
        /** {@code read}, {@code write}, {@code session} or {@code batch}. */
        KIND {
            @Override
            public String asString() {
                return "strata.kind";
            }
        },
        /** How the statement was planned: {@code single}, {@code multi}, {@code scatter} or {@code broadcast}. */
        ROUTE {
            @Override
            public String asString() {
                return "strata.route";
            }
        },
        /** The shard's name. */
        SHARD {
            @Override
            public String asString() {
                return "strata.shard";
            }
        },
        /**
         * The node that served the call (its name in the replica set), when the shard is a
         * replica set and reports one; {@code unknown} otherwise.
         */
        NODE {
            @Override
            public String asString() {
                return "strata.node";
            }
        },
        /** {@code success} or {@code error} (the observation then carries the exception). */
        OUTCOME {
            @Override
            public String asString() {
                return "strata.outcome";
            }
        },
        /**
         * The SQL text as the application gave it (statement) or as sent to the shard (shard call),
         * with its {@code ?} placeholders; bound parameter values are never recorded.
         */
        SQL {
            @Override
            public String asString() {
                return "db.query.text";
            }
        }
    }
}
