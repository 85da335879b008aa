<?php

declare(strict_types=1);

namespace Acme\Checkout\Cart;

use Acme\Checkout\Model\Product;

final class CartItem
{
    public function __construct(public readonly Product $product, public int $quantity)
    {
    }

    public function subtotalCents(): int
    {
        return $this->product->priceCents * $this->quantity;
    }
}
