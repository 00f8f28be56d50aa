from django.contrib import admin
from voxsite.core.admin import DeferInListMixin, ReadOnlyAdminMixin, inr, is_changelist, related_count

from .models import FAQ, Category, Policy, Product, ProductSearchDoc, SearchSynonym, SearchTerm


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "product_count"]
    search_fields = ["name", "slug"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_changelist(request):
            qs = qs.annotate(product_count=related_count(Product, "category"))
        return qs

    @admin.display(description="products", ordering="product_count")
    def product_count(self, obj):
        return getattr(obj, "product_count", None)


class InStockFilter(admin.SimpleListFilter):
    title = "in stock"
    parameter_name = "in_stock"

    def lookups(self, request, model_admin):
        return [("yes", "In stock"), ("no", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(stock__gt=0)
        if self.value() == "no":
            return queryset.filter(stock=0)
        return queryset


@admin.register(Product)
class ProductAdmin(DeferInListMixin, admin.ModelAdmin):
    list_defer = ("description", "attributes")
    list_display = ["sku", "name", "brand", "category", "price_inr", "stock", "in_stock", "active"]
    list_display_links = ["sku", "name"]
    list_editable = ["stock", "active"]
    list_filter = ["category", "brand", "active", InStockFilter]
    search_fields = ["sku", "name", "brand"]
    ordering = ["name"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]
    readonly_fields = ["created_at", "updated_at"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["sku", "name", "brand", "category", "description", "tags"]}),
        ("Price and stock", {"fields": ["price", "stock", "active"]}),
        ("Attributes", {"fields": ["attributes"]}),
        ("Timestamps", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="price", ordering="price")
    def price_inr(self, obj):
        return inr(obj.price)

    @admin.display(description="in stock", boolean=True, ordering="stock")
    def in_stock(self, obj):
        return obj.in_stock


@admin.register(FAQ)
class FAQAdmin(DeferInListMixin, admin.ModelAdmin):
    list_defer = ("answer",)
    list_display = ["key", "language", "question", "category", "popularity", "active"]
    list_display_links = ["key", "question"]
    list_filter = ["language", "category", "active"]
    search_fields = ["key", "question", "answer"]
    ordering = ["key", "language"]


@admin.register(Policy)
class PolicyAdmin(DeferInListMixin, admin.ModelAdmin):
    list_defer = ("text",)
    list_display = ["kind", "language", "title", "return_window_days", "updated_at"]
    list_display_links = ["kind", "title"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "text"]
    ordering = ["kind", "language"]
    readonly_fields = ["updated_at"]


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """The words shoppers use for the catalog's things, in any language. Product search reads them
    on the next query after a save, in every server process."""

    list_display = ["words", "means", "language", "active", "updated_at"]
    list_display_links = ["words"]
    list_filter = ["active", "language"]
    search_fields = ["words", "means"]
    ordering = ["words"]
    readonly_fields = ["updated_at"]
    fields = ["words", "means", "language", "active", "updated_at"]


# The search index is derived data (catalog.search.index writes it on every product edit; `manage.py
# search_index` rebuilds it): staff may read it to see why a product is or is not found, never edit it.
@admin.register(SearchTerm)
class SearchTermAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["term", "word", "key", "documents"]
    search_fields = ["term", "word"]
    ordering = ["-documents", "term"]


@admin.register(ProductSearchDoc)
class ProductSearchDocAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["product", "name", "brand", "tags", "category"]
    list_select_related = ["product"]
    raw_id_fields = ["product"]
    search_fields = ["product__sku", "name", "tags"]
    exclude = ["description"]
