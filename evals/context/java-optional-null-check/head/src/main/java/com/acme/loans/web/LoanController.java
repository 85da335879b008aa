package com.acme.loans.web;

import com.acme.loans.domain.Loan;
import com.acme.loans.service.LoanService;
import com.acme.loans.util.Isbn;

public class LoanController {
    private final LoanService service;

    public LoanController(LoanService service) {
        this.service = service;
    }

    public Response borrow(long memberId, String rawIsbn) {
        String isbn;
        try {
            isbn = Isbn.normalize(rawIsbn);
        } catch (IllegalArgumentException e) {
            return Response.badRequest(e.getMessage());
        }
        Loan loan = service.borrow(memberId, isbn);
        return Response.created("/loans/" + loan.id());
    }
}
