package com.acme.loans.util;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

public final class Dates {
    private Dates() {}

    /** Calendar days from {@code from} to {@code to}, counting both ends: the same day is 1. */
    public static long daysBetween(LocalDate from, LocalDate to) {
        return ChronoUnit.DAYS.between(from, to) + 1;
    }
}
