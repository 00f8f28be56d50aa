"""Catalog API shapes: query-parameter validation and read-only representations."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from voxsite.core.languages import Language

from .models import FAQ, Category, Policy, Product
from .search.resolve import QUALITY
from .search.index import FIELDS


class CategorySerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, help_text="Active products in the category.")

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "product_count"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class SearchMatchSerializer(serializers.Serializer):
    word = serializers.CharField(help_text="The shopper's word or phrase, as searched.")
    matched = serializers.CharField(help_text="The catalog's own word(s) it matched.")
    field = serializers.ChoiceField(choices=FIELDS, help_text="Where in the product the match is.")
    how = serializers.ChoiceField(
        choices=list(QUALITY),
        help_text="word: the word itself (or its plural/stem); joined/split: written together or apart; synonym: "
                  "the shop's synonyms; sound: same word in another script or spelling; prefix: a word begun; "
                  "typo: a close spelling.",
    )


class ProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True, help_text="INR")
    matched = serializers.SerializerMethodField(
        help_text="Why the product matched `q`: one entry per searched word it matched (empty without `q`).")

    class Meta:
        model = Product
        fields = ["sku", "name", "brand", "category", "description", "price", "stock", "in_stock", "attributes",
                  "tags", "active", "matched"]

    @extend_schema_field(SearchMatchSerializer(many=True))
    def get_matched(self, product) -> list[dict]:
        return getattr(product, "search_matches", [])


class ProductFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="What the shopper wants, in their words, in English, Hindi, Bengali or Marathi (any script): "
                  "results are ranked, products matching more and rarer words first, with why each matched. "
                  "Price and stock words are read as filters (\"under ₹500\", \"सस्ता\", \"কম দামে\", \"in stock\").",
    )
    category = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                     help_text="Category slug or name.")
    min_price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=0,
                                         help_text="INR, inclusive.")
    max_price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=0,
                                         help_text="INR, inclusive.")
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None,
                                        help_text="true: only products in stock; false: only sold out.")

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": ["Must not be less than min_price."]})
        return attrs


class FAQSerializer(serializers.ModelSerializer):
    class Meta:
        model = FAQ
        fields = ["id", "key", "language", "question", "answer", "category", "tags"]


class FAQFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=300,
                              help_text="Question in the shopper's words; results are ranked by overlap.")
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="English FAQs answer when this language has no match.")


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["kind", "language", "title", "text", "return_window_days", "updated_at"]


class PolicyFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Policy.Kind.choices, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="One policy per kind, in this language or else in English.")


class PolicyLanguageSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.EN,
                                       help_text="Falls back to English when not translated.")
