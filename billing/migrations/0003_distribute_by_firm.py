# On PostgreSQL: this app's firm tables keyed by (id, firm_id) and their keys to
# other firm tables made composite with firm_id (practice.distribution).

import django.db.models.deletion
from django.db import migrations

import practice.distribution
from practice.distribution import DistributeByFirm


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_statement_parts_and_pdf'),
        ('clients', '0011_distribute_by_firm'),
    ]

    operations = [
        DistributeByFirm(['Statement', 'StatementLine', 'StatementTotal', 'StatementPdf']),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='statementline',
                    name='client',
                    field=practice.distribution.TenantForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='clients.client'),
                ),
                migrations.AlterField(
                    model_name='statementline',
                    name='statement',
                    field=practice.distribution.TenantForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.statement'),
                ),
                migrations.AlterField(
                    model_name='statementpdf',
                    name='statement',
                    field=practice.distribution.TenantForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pdfs', to='billing.statement'),
                ),
                migrations.AlterField(
                    model_name='statementtotal',
                    name='statement',
                    field=practice.distribution.TenantForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='totals', to='billing.statement'),
                ),
            ],
        ),
    ]
