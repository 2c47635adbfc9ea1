import django.db.models.deletion
from django.db import migrations, models

import practice.distribution


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0003_distribute_by_firm'),
        ('practice', '0007_distribute_by_firm'),
    ]

    operations = [
        practice.distribution.UncheckFirmKey('statementline', 'statement'),
        migrations.AlterField(
            model_name='statementline',
            name='firm',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, to='practice.firm', verbose_name='firm'),
        ),
        migrations.AlterField(
            model_name='statementline',
            name='statement',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='billing.statement'),
        ),
    ]
