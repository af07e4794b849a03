package io.strata.orm.differential;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Objects;
import org.hibernate.annotations.BatchSize;

/** A composite id ({@code customer_id}, {@code line_no}) on a table sharded by {@code customer_id}. */
@Entity
@Table(name = "orm_d_lines")
@IdClass(DLine.Key.class)
@BatchSize(size = 8)
public class DLine implements Differential.Rowable {

    /** The composite id. */
    public static class Key implements Serializable {
        private Long customerId;
        private Integer lineNo;

        public Key() {}

        public Key(long customerId, int lineNo) {
            this.customerId = customerId;
            this.lineNo = lineNo;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(customerId, k.customerId) && Objects.equals(lineNo, k.lineNo);
        }

        @Override
        public int hashCode() {
            return Objects.hash(customerId, lineNo);
        }
    }

    @Id
    @Column(name = "customer_id")
    private Long customerId;

    @Id
    @Column(name = "line_no")
    private Integer lineNo;

    @Column(precision = 10, scale = 2)
    private BigDecimal amount;

    protected DLine() {}

    public DLine(long customerId, int lineNo, BigDecimal amount) {
        this.customerId = customerId;
        this.lineNo = lineNo;
        this.amount = amount;
    }

    public void setAmount(BigDecimal amount) {
        this.amount = amount;
    }

    @Override
    public String describe() {
        return "DLine[" + customerId + "," + lineNo + "," + amount + "]";
    }
}
