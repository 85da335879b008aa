package com.acme.loans.billing;

import java.math.BigDecimal;

public class Account {
    private BigDecimal balance = BigDecimal.ZERO;

    /** Takes {@code euros} (not cents) from the member's account balance. */
    public void debit(BigDecimal euros) {
        balance = balance.subtract(euros);
    }

    public BigDecimal getBalance() { return balance; }
}
