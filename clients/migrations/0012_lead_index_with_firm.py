from django.db import migrations, models

# As in 0006: the index ends with the id, so it holds no duplicates and B-tree
# deduplication would only cost time on writes (PostgreSQL only).
NAME = "client_lead_firm_status_name"


def no_deduplication(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {NAME} SET (deduplicate_items = off)")


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0011_distribute_by_firm'),
        ('practice', '0007_distribute_by_firm'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='client',
            name='client_lead_status_name',
        ),
        migrations.AddIndex(
            model_name='client',
            index=models.Index(fields=['lead_accountant', 'firm', 'status', 'search_name', 'id'], name='client_lead_firm_status_name'),
        ),
        migrations.RunPython(no_deduplication, migrations.RunPython.noop),
    ]
