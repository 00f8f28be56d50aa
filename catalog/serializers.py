"""Catalog API shapes: query-parameter validation and read-only representations."""

from rest_framework import serializers

from voxsite.languages import Language

from .models import FAQ, Category, Policy, Product


class CategorySerializer(serializers.ModelSerializer):
    product_count = serializers.IntegerField(read_only=True, help_text="Active products in the category.")

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "product_count"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class ProductSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True, help_text="INR")

    class Meta:
        model = Product
        fields = ["sku", "name", "brand", "category", "description", "price", "stock", "in_stock", "attributes",
                  "active"]


class ProductFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200,
                              help_text="Words that must all appear in the name, brand, description, SKU or category.")
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
