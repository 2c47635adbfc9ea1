# The client's number gets a narrow table of its own (clients.models.numbering):
# an import rewrites its rows instead of the clients' wide ones and their seven
# indexes. 0015 moves the numbers into it (a migration of its own, so that this
# one's keys exist before any row does).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import clients.models
import practice.distribution
from practice.distribution import DistributeByFirm


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0013_name_index_carries_status"),
        ("practice", "0007_distribute_by_firm"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientNumber",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", clients.models.BinaryCharField(blank=True, max_length=100, null=True, verbose_name="client number")),
                ("version", models.PositiveIntegerField(default=0, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("client", practice.distribution.TenantOneToOneField(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="numbering", to="clients.client")),
                ("firm", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to="practice.firm", verbose_name="firm")),
            ],
            options={
                "verbose_name": "client number",
                "verbose_name_plural": "client numbers",
            },
        ),
        DistributeByFirm(["ClientNumber"]),
        migrations.RemoveConstraint(model_name="client", name="client_number_unique_per_firm"),
        migrations.RemoveConstraint(model_name="client", name="client_number_null_not_empty"),
        migrations.RemoveIndex(model_name="client", name="client_firm_without_number"),
        migrations.AddIndex(
            model_name="clientnumber",
            index=models.Index(condition=models.Q(("number__isnull", True)), fields=["firm", "client"], name="client_firm_without_number"),
        ),
        migrations.AddConstraint(
            model_name="clientnumber",
            constraint=models.UniqueConstraint(fields=("client", "firm"), name="client_number_one_per_client"),
        ),
        migrations.AddConstraint(
            model_name="clientnumber",
            constraint=models.UniqueConstraint(condition=models.Q(("number__isnull", False)), fields=("firm", "number"), name="client_number_unique_per_firm"),
        ),
        migrations.AddConstraint(
            model_name="clientnumber",
            constraint=models.CheckConstraint(condition=models.Q(("number", ""), _negated=True), name="client_number_null_not_empty"),
        ),
        migrations.AddField(
            model_name="client",
            name="number_row",
            field=models.ForeignObject(editable=False, from_fields=["firm", "id"], null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="clients.clientnumber", to_fields=["firm", "client"]),
        ),
    ]
