package io.strata.orm.differential;

import java.math.BigDecimal;

/** A {@code select new} DTO. */
public record CustomerTotal(Long customerId, String name, Long orders, BigDecimal total) {}
