"""Products and Prices, so apps that check out with price ids work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Product:
    id: str
    name: str
    created: int
    description: str | None = None
    active: bool = True
    metadata: dict[str, str] = field(default_factory=dict)
    default_price: str | None = None

    def to_stripe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "product",
            "active": self.active,
            "created": self.created,
            "default_price": self.default_price,
            "description": self.description,
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": dict(self.metadata),
            "name": self.name,
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": None,
            "tax_code": None,
            "tax_details": None,
            "type": "service",
            "unit_label": None,
            "updated": self.created,
            "url": None,
        }


@dataclass
class Price:
    id: str
    product: str
    currency: str
    unit_amount: int
    created: int
    nickname: str | None = None
    lookup_key: str | None = None
    active: bool = True
    metadata: dict[str, str] = field(default_factory=dict)

    def to_stripe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "price",
            "active": self.active,
            "billing_scheme": "per_unit",
            "created": self.created,
            "currency": self.currency,
            "currency_options": None,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": self.lookup_key,
            "metadata": dict(self.metadata),
            "nickname": self.nickname,
            "product": self.product,
            "recurring": None,
            "tax_behavior": "unspecified",
            "tiers": None,
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "one_time",
            "unit_amount": self.unit_amount,
            "unit_amount_decimal": str(self.unit_amount),
        }
