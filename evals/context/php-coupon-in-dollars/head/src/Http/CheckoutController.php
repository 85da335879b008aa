<?php

declare(strict_types=1);

namespace Acme\Checkout\Http;

use Acme\Checkout\Cart\Cart;
use Acme\Checkout\Pricing\Coupon;
use Acme\Checkout\Repository\ProductRepository;

final class CheckoutController
{
    public function __construct(private ProductRepository $products, private Cart $cart)
    {
    }

    /** @return array{status: int, body: array<string, mixed>} */
    public function summary(?Coupon $coupon = null): array
    {
        $dollars = intdiv($this->cart->total(), 100);
        $total = $coupon === null ? $dollars : $coupon->apply($dollars);
        return ['status' => 200, 'body' => ['total' => number_format($total, 2), 'coupon' => $coupon?->code]];
    }
}
