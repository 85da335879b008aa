package com.acme.loans.service;

import com.acme.loans.domain.Loan;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

public class FeeCalculator {
    private static final long CENTS_PER_DAY = 25;
    private static final long MAX_FEE_CENTS = 2_000;

    /** The late fee in cents for a loan given back on {@code today}; 0 when it is not late. */
    public long lateFeeCents(Loan loan, LocalDate today) {
        long late = ChronoUnit.DAYS.between(loan.dueDate(), today);
        return late <= 0 ? 0 : Math.min(late * CENTS_PER_DAY, MAX_FEE_CENTS);
    }
}
