<?php

declare(strict_types=1);

namespace Acme\Checkout\Http;

use Acme\Checkout\Cart\Cart;
use Acme\Checkout\Repository\ProductRepository;

final class CheckoutController
{
    public function __construct(private ProductRepository $products, private Cart $cart)
    {
    }

    /** @return array{status: int, body: array<string, mixed>} */
    public function summary(): array
    {
        return ['status' => 200, 'body' => ['total_cents' => $this->cart->total()]];
    }
}
