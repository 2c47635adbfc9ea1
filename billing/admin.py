from django.contrib import admin

from billing.models import Statement, StatementTotal


class StatementTotalInline(admin.TabularInline):
    model = StatementTotal
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """Issued statements are read-only."""

    list_display = ["firm", "month", "line_count", "issued_at"]
    list_filter = ["firm"]
    inlines = [StatementTotalInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
